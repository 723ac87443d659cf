"""The use cases an app serves, built once by create_app and reached by views through `inventory()`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine

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
from src.application.list_changes import ListChanges, NumberHistory, PruneChanges
from src.application.list_numbers import ListNumbers
from src.application.list_users import ListUsers
from src.application.patch_number import PatchNumber
from src.application.purge_stale_records import PurgeStaleRecords
from src.application.replace_number import ReplaceNumber
from src.application.revoke_token import RevokeToken
from src.application.seed_numbers import SeedNumbers
from src.application.update_user import UpdateUser
from src.domain.money import CurrencyCatalog
from src.infrastructure.settings import Settings
from src.web.cursors import CursorCodec

EXTENSION_KEY = "number_inventory"


@dataclass(frozen=True)
class Inventory:
    settings: Settings
    currencies: CurrencyCatalog
    engine: Engine
    read_engine: Engine  # autocommit, for the use cases that only read
    cursors: CursorCodec
    create_number: CreateNumber
    get_number: GetNumber
    list_numbers: ListNumbers
    replace_number: ReplaceNumber
    patch_number: PatchNumber
    delete_number: DeleteNumber
    bulk_change: BulkChange
    list_changes: ListChanges
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

    def dispose(self) -> None:
        """Close every pooled connection (tests, and whoever replaces an app)."""
        self.engine.dispose()
        self.read_engine.dispose()


def inventory() -> Inventory:
    served: Inventory = current_app.extensions[EXTENSION_KEY]
    return served
