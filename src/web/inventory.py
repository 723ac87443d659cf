"""What the web layer is handed: the use cases an app serves and the settings of its HTTP face,
built once by the composition root (src/bootstrap.py) and reached by views through `inventory()`.
No engine, no adapter: the web layer sees only the application."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from src.application.authorize_request import AuthorizeRequest
from src.application.bulk_change import BulkChange
from src.application.change_password import ChangePassword
from src.application.create_number import CreateNumber
from src.application.create_user import CreateUser
from src.application.delete_number import DeleteNumber
from src.application.delete_user import DeleteUser
from src.application.ensure_first_admin import EnsureFirstAdmin
from src.application.export_numbers import ExportNumbers
from src.application.get_number import GetNumber
from src.application.get_user import GetUser
from src.application.import_jobs import GetImportJob, RunImportJob, StartImportJob
from src.application.import_numbers import ImportNumbers
from src.application.issue_token import IssueToken
from src.application.list_changes import ExportChanges, ListChanges, NumberHistory, PruneChanges
from src.application.list_numbers import ListNumbers
from src.application.list_users import ListUsers
from src.application.patch_number import PatchNumber
from src.application.purge_stale_records import PurgeStaleRecords
from src.application.replace_number import ReplaceNumber
from src.application.revoke_token import RevokeToken
from src.application.seed_numbers import SeedNumbers
from src.application.update_user import UpdateUser
from src.domain.money import CurrencyCatalog
from src.web.cursors import CursorCodec

EXTENSION_KEY = "number_inventory"


@dataclass(frozen=True)
class WebSettings:
    """The settings that shape HTTP answers (the rest belongs to the adapters)."""

    page_size: int
    max_page_size: int
    currencies: Mapping[str, str]  # the agreed symbols and their ISO codes, for the documentation
    max_body_bytes: int
    max_import_bytes: int
    import_job_threshold_bytes: int
    cors_origins: tuple[str, ...]
    trust_proxy_headers: int
    allowed_hosts: tuple[str, ...]
    debug: bool
    changes_retention_days: int  # `flask prune-changes` keeps this many days by default (0: all)


@dataclass(frozen=True)
class Inventory:
    settings: WebSettings
    currencies: CurrencyCatalog
    cursors: CursorCodec
    create_number: CreateNumber
    get_number: GetNumber
    list_numbers: ListNumbers
    replace_number: ReplaceNumber
    patch_number: PatchNumber
    delete_number: DeleteNumber
    bulk_change: BulkChange
    list_changes: ListChanges
    export_changes: ExportChanges
    number_history: NumberHistory
    prune_changes: PruneChanges
    seed_numbers: SeedNumbers
    export_numbers: ExportNumbers
    import_numbers: ImportNumbers
    get_import_job: GetImportJob
    run_import_job: RunImportJob
    # None where imports never run as jobs: SQLite, or IMPORT_JOB_THRESHOLD_BYTES=0.
    start_import_job: StartImportJob | None
    authorize_request: AuthorizeRequest
    issue_token: IssueToken
    revoke_token: RevokeToken
    change_password: ChangePassword
    purge_stale_records: PurgeStaleRecords
    create_user: CreateUser
    list_users: ListUsers
    get_user: GetUser
    update_user: UpdateUser
    delete_user: DeleteUser
    ensure_first_admin: EnsureFirstAdmin
    check_storage: Callable[[], None]  # raises StorageUnavailable unless the database answers
    seed_demo: Callable[[int], int]  # makes sure N demo numbers exist; answers how many it added
    # Runs the import jobs until stopped (concurrency, heartbeat file); None where jobs never run.
    run_worker: Callable[[int, Path | None], None] | None
    dispose: Callable[[], None]  # closes every pooled connection (tests, and whoever replaces an app)


def inventory() -> Inventory:
    served: Inventory = current_app.extensions[EXTENSION_KEY]
    return served
