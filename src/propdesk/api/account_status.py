"""An account's status at a glance, as its own route and the system status both answer it."""

from __future__ import annotations

from propdesk.api.schemas.accounts import account_risk_per_trade
from propdesk.api.schemas.risk import AccountStatusRead
from propdesk.autotrade.settings import AutotradeSettings
from propdesk.services import Services
from propdesk.store.models import Account
from propdesk.system import status
from propdesk.trading import service as trading


def account_status(
    services: Services, account: Account, autotrade: AutotradeSettings, resolution: str
) -> AccountStatusRead:
    """Raises NotFoundError (`RISK_NOT_TRACKED`) until the engine guards the account."""
    account_id = str(account.id)
    report, valuation = trading.account_status(services.reads, account_id)
    r, _source = account_risk_per_trade(account)
    symbol, strategy = status.focus(services.reads, account_id, autotrade)
    regime = None if symbol is None else status.regime_of(services.regimes, symbol, resolution)
    return AccountStatusRead.of(
        report, valuation, r, current_regime=regime, active_strategy=strategy
    )
