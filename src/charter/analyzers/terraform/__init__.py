"""Terraform rules on the shared python-hcl2 parse (``SourceFile.hcl``), per module directory."""
