"""Container rules: Dockerfiles (shared dockerfile-parse parse) and Kubernetes workloads."""
