"""Typed dependencies: the process's services, reached through the request, never globals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from propdesk.config import Settings
from propdesk.marketdata.catalogue import Catalogue
from propdesk.services import Services
from propdesk.store.db import Database


def get_services(request: Request) -> Services:
    services: Services = request.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_database(services: ServicesDep) -> Database:
    return services.database


def get_catalogue(services: ServicesDep) -> Catalogue:
    return services.catalogue


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
