"""migrations-present: SQLAlchemy / SQLModel / Django models come with migrations."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import AstAnalyzer, Emitter, path_matches
from charter.analyzers.repo.project import is_test_path, parent_dir
from charter.repo import RepoIndex
from charter.sources import SourceFile

SQLA_MODULES = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")
#: migration folders of other tools (Flyway, golang-migrate, dbmate, yoyo, Atlas, sqitch)
SQL_MIGRATION_GLOBS = (
    "**/migrations/*.sql",
    "migrations/*.sql",
    "**/db/migrate/*.sql",
    "**/db/migrations/*.sql",
    "**/migration/*.sql",
    "**/sql/migrations/*.sql",
)


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        while isinstance(base, ast.Subscript):
            base = base.value
        if isinstance(base, ast.Attribute):
            names.append(
                base.attr
                if not isinstance(base.value, ast.Name)
                else f"{base.value.id}.{base.attr}"
            )
        elif isinstance(base, ast.Name):
            names.append(base.id)
    return names


class MigrationsPresentAnalyzer(AstAnalyzer):
    """File phase: find ORM model classes. Repo phase: look for the migrations beside them.

    A SQLAlchemy model is a class, in a file importing sqlalchemy/sqlmodel/flask_sqlalchemy,
    whose body sets ``__tablename__`` or assigns ``Column(...)``/``mapped_column(...)``, or that
    subclasses ``db.Model`` or ``SQLModel, table=True``. A Django model subclasses
    ``models.Model`` and is not ``abstract``/``proxy``. Alembic migrations are a ``versions/``
    folder with a revision next to an ``env.py``; Django's are numbered modules in the app's
    ``migrations/``; SQL migration folders of other tools count too.
    """

    name: ClassVar[str] = "migrations-present"
    prefilter: ClassVar[tuple[str, ...]] = ("sqlalchemy", "sqlmodel", "django", "flask_sqlalchemy")

    def applies_to(self, file: SourceFile) -> bool:
        return (
            file.kind == "python"
            and not is_test_path(file.path)
            and "/migrations/" not in ("/" + file.path)
        )

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self._orm: set[str] = set()
        self._models: list[tuple[str, str, int]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._note_module(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self._note_module(node.module)

    def _note_module(self, module: str) -> None:
        top = module.split(".", 1)[0]
        if top in SQLA_MODULES:
            self._orm.add("sqlalchemy")
        elif module.startswith("django.db"):
            self._orm.add("django")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = _base_names(node)
        keywords = {kw.arg: kw.value for kw in node.keywords}
        meta_flags = self._django_meta_flags(node)
        if "django" in self._orm and "models.Model" in bases:
            if not meta_flags:
                self._models.append(("django", node.name, node.lineno))
            return
        if "sqlalchemy" not in self._orm:
            return
        table = keywords.get("table")
        if isinstance(table, ast.Constant) and table.value is True:  # SQLModel, any base
            self._models.append(("sqlalchemy", node.name, node.lineno))
            return
        if "SQLModel" in bases:
            return
        if not bases or bases == ["object"] or self._abstract(node):
            return  # a mixin or an abstract base maps no table of its own
        if "db.Model" in bases or self._has_table_body(node):
            self._models.append(("sqlalchemy", node.name, node.lineno))

    @staticmethod
    def _django_meta_flags(node: ast.ClassDef) -> bool:
        for item in node.body:
            if isinstance(item, ast.ClassDef) and item.name == "Meta":
                for stmt in item.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and any(
                            isinstance(t, ast.Name) and t.id in ("abstract", "proxy")
                            for t in stmt.targets
                        )
                        and isinstance(stmt.value, ast.Constant)
                        and stmt.value.value is True
                    ):
                        return True
        return False

    @staticmethod
    def _abstract(node: ast.ClassDef) -> bool:
        """``__abstract__ = True`` in the class body (a SQLAlchemy abstract base)."""
        return any(
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__abstract__" for t in item.targets)
            and isinstance(item.value, ast.Constant)
            and item.value.value is True
            for item in node.body
        )

    @staticmethod
    def _has_table_body(node: ast.ClassDef) -> bool:
        for item in node.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(item, ast.Assign):
                targets, value = item.targets, item.value
            elif isinstance(item, ast.AnnAssign):
                targets, value = [item.target], item.value
            if any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets):
                return True
            if isinstance(value, ast.Call):
                func = value.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("Column", "mapped_column"):
                    return True
        return False

    def end(self) -> None:
        if self._models:
            self.out.fact(self._models)

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        models = [
            (orm, name, path, line)
            for path, values in sorted(repo.facts(self).items())
            for value in values
            for orm, name, line in value
        ]
        if not models:
            out.not_applicable("no SQLAlchemy, SQLModel or Django models")
            return
        sqla = [m for m in models if m[0] == "sqlalchemy"]
        django = [m for m in models if m[0] == "django"]
        if sqla:
            self._check_sqlalchemy(repo, sqla, out)
        if django:
            self._check_django(repo, django, out)

    def _check_sqlalchemy(
        self, repo: RepoIndex, models: list[tuple[str, str, str, int]], out: Emitter
    ) -> None:
        env_dirs = {parent_dir(p) for p in repo.named("env.py")}
        revisions = [
            p
            for p in repo.of_kind("python")
            if PurePosixPath(p).parent.name == "versions"
            and parent_dir(parent_dir(p)) in env_dirs
            and PurePosixPath(p).name != "__init__.py"
        ]
        sql = [p for p in repo.files if path_matches(p, SQL_MIGRATION_GLOBS)]
        if revisions:
            folder = parent_dir(parent_dir(revisions[0]))
            out.evidence(f"Alembic migrations in {folder or '.'}/ ({len(revisions)} revisions)")
            return
        if sql:
            out.evidence(f"SQL migrations in {parent_dir(sql[0])}/ ({len(sql)} files)")
            return
        _, name, path, line = models[0]
        detail = (
            "Alembic is set up but has no revision in versions/"
            if env_dirs and (repo.named("alembic.ini") or env_dirs)
            else "no Alembic migrations"
        )
        out.report(
            line,
            f"model {name} has {detail}: run `alembic init` and "
            "`alembic revision --autogenerate` and commit the migration",
            path=path,
        )

    def _check_django(
        self, repo: RepoIndex, models: list[tuple[str, str, str, int]], out: Emitter
    ) -> None:
        reported: set[str] = set()
        python = repo.of_kind("python")
        for _, name, path, line in models:
            app, numbered = self._django_app(repo, python, path)
            prefix = f"{app}/migrations/" if app else "migrations/"
            if numbered:
                out.evidence(f"Django migrations in {prefix} ({len(numbered)} files)")
                continue
            if app in reported:
                continue
            reported.add(app)
            out.report(
                line,
                f"Django model {name} has no migration in {prefix}: run "
                "`python manage.py makemigrations` and commit it",
                path=path,
            )

    @staticmethod
    def _django_app(repo: RepoIndex, python: list[str], path: str) -> tuple[str, list[str]]:
        """The app a model module belongs to, and the app's numbered migrations. The app is
        the nearest folder, from the module's own up, that has migrations or an ``apps.py``:
        a model defined in a sub-module of the app (``blog/admin_2fa/models.py`` imported into
        ``blog/models.py``) has its migrations in ``blog/migrations/``."""
        first = parent_dir(path)
        if PurePosixPath(path).parent.name == "models":  # models/ package
            first = parent_dir(first)
        folder = first
        while True:
            prefix = f"{folder}/migrations/" if folder else "migrations/"
            numbered = [
                p
                for p in python
                if p.startswith(prefix)
                and "/" not in p[len(prefix) :]
                and PurePosixPath(p).name[:1].isdigit()
            ]
            if numbered:
                return folder, numbered
            apps = f"{folder}/apps.py" if folder else "apps.py"
            if repo.has(apps) or not folder:
                return (folder if repo.has(apps) else first), []
            folder = parent_dir(folder)
