"""The use cases an app serves, built once by create_app and reached by views through `inventory()`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine

from src.application.create_number import CreateNumber
from src.application.delete_number import DeleteNumber
from src.application.get_number import GetNumber
from src.application.list_numbers import ListNumbers
from src.application.patch_number import PatchNumber
from src.application.replace_number import ReplaceNumber
from src.application.seed_numbers import SeedNumbers
from src.domain.money import CurrencyCatalog
from src.infrastructure.settings import Settings

EXTENSION_KEY = "number_inventory"


@dataclass(frozen=True)
class Inventory:
    settings: Settings
    currencies: CurrencyCatalog
    engine: Engine
    create_number: CreateNumber
    get_number: GetNumber
    list_numbers: ListNumbers
    replace_number: ReplaceNumber
    patch_number: PatchNumber
    delete_number: DeleteNumber
    seed_numbers: SeedNumbers


def inventory() -> Inventory:
    served: Inventory = current_app.extensions[EXTENSION_KEY]
    return served
