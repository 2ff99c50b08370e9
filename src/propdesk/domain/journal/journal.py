"""The journal: round trips built incrementally from fills and marks, one book per process."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from propdesk.domain.journal.state import DefaultRisk, TripState, opened, positive, thaw
from propdesk.domain.journal.trips import NO_CONTEXT, RoundTrip, TripContext
from propdesk.domain.orders import ZERO, Fill, OrderSide
from propdesk.domain.positions import pro_rata

DEFAULT_STOP_WINDOW = 60.0
"""Seconds after a trip opens during which a stop placed still counts as its initial stop."""


def no_default_risk(account_id: str) -> Decimal | None:
    return None


class TripNotFound(KeyError):
    """No trip has this id."""


class Journal:
    """Every account's round trips, kept up to date fill by fill and mark by mark.

    Trips are matched per (account, symbol), flat to flat: a fill in the trip's direction
    scales in, against it scales out, and one that crosses zero is split by quantity (the
    closing part ends the trip, the rest opens the next; the commission is split the same way,
    exactly). The partial fills of an order are simply several fills.

    1R: `risk` is what the trip would have lost, before fees, had every contract it entered
    been stopped out at its initial stop: (avg entry − stop) × direction × entry_qty × point
    value, so it grows with scale-ins. The initial stop is the entry's (a bracket's stop leg,
    given with the fill) or one placed within `stop_window` seconds of the trip's opening
    (`set_stop`), the first of them only, and only on the losing side of the average entry.
    Without one, or when scale-ins beyond the stop leave nothing at risk, 1R is the account's
    default (`default_risk`, looked up when the trip opens, so that a later change of the
    settings does not rewrite the past); without either, the trip has no R.
    """

    def __init__(
        self,
        *,
        default_risk: DefaultRisk = no_default_risk,
        stop_window: float = DEFAULT_STOP_WINDOW,
        retain_closed: bool = True,
    ) -> None:
        self._default_risk = default_risk
        self._stop_window = stop_window
        self._retain_closed = retain_closed
        """False (the engine's journal): a closed trip is given once, then forgotten; the
        store keeps it. True (a rebuild, the tests): `trips()` has them all."""
        self._open: dict[tuple[str, str], TripState] = {}
        self._open_by_id: dict[str, TripState] = {}
        self._closed: dict[str, RoundTrip] = {}
        self._seq: dict[tuple[str, str], int] = {}

    # ------------------------------------------------------------------ building

    @classmethod
    def rebuild(
        cls,
        executions: Iterable[tuple[Fill, Decimal, TripContext | None]],
        *,
        default_risk: DefaultRisk = no_default_risk,
        stop_window: float = DEFAULT_STOP_WINDOW,
    ) -> Journal:
        """A journal built from executions in the order they happened: (fill, the instrument's
        point value, what was known of it). The same executions always give the same trips.

        Annotations (notes, tags and setups added later, screenshots) are not in executions:
        a caller that keeps them applies them again with `annotate`.
        """
        journal = cls(default_risk=default_risk, stop_window=stop_window)
        journal.replay(executions)
        return journal

    def replay(self, executions: Iterable[tuple[Fill, Decimal, TripContext | None]]) -> None:
        """Applies more executions as `rebuild` does, to carry a rebuild on past what no
        execution shows: an account reset (`abandon`), a stop placed on its own (`set_stop`)."""
        apply = self._apply
        for fill, point_value, context in executions:
            apply(fill, point_value, context or NO_CONTEXT)

    @classmethod
    def restore(
        cls,
        trips: Iterable[RoundTrip],
        *,
        default_risk: DefaultRisk = no_default_risk,
        stop_window: float = DEFAULT_STOP_WINDOW,
        last_seq: Mapping[tuple[str, str], int] | None = None,
        retain_closed: bool = True,
    ) -> Journal:
        """The journal that produced `trips` (its `trips()`), to carry on from: a restart that
        loads the stored trips instead of replaying every execution. A caller that loads only
        the open trips gives each (account, symbol)'s last trip number in `last_seq`, so that
        the next trip is numbered after the closed ones."""
        journal = cls(
            default_risk=default_risk, stop_window=stop_window, retain_closed=retain_closed
        )
        journal._seq.update(last_seq or {})
        for trip in trips:
            key = (trip.account_id, trip.symbol)
            journal._seq[key] = max(journal._seq.get(key, 0), trip.seq)
            if trip.closed_at is not None:
                journal._closed[trip.id] = trip
                continue
            state = thaw(trip, default_risk)
            journal._open[key] = state
            journal._open_by_id[trip.id] = state
        return journal

    def apply_fill(
        self,
        fill: Fill,
        point_value: Decimal,
        *,
        stop: Decimal | None = None,
        strategy: str | None = None,
        setup: str | None = None,
        regime: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> list[RoundTrip]:
        """The trips this fill opened, changed or closed, in that order (a reversal gives the
        closed trip, then the new one).

        The context labels the trip the fill leaves open (the first value of each label
        sticks; tags add up), and `stop` is taken as its initial stop as `set_stop` would.
        """
        if stop is None and strategy is None and setup is None and regime is None and not tags:
            context = NO_CONTEXT
        else:
            context = TripContext(stop, strategy, setup, regime, tags)
        touched = self._apply(fill, point_value, context)
        trips = []
        for state in touched:
            if state.id in self._open_by_id:
                trips.append(state.freeze(None))
            elif self._retain_closed:
                trips.append(self._closed[state.id])
            else:
                trips.append(self._closed.pop(state.id))
        return trips

    def abandon(self, account_id: str, ts: float) -> list[RoundTrip]:
        """Close the account's open trips as they stand, without an exit (an account reset
        takes its positions away without a fill): each keeps what it realized and paid."""
        ended = [key for key in self._open if key[0] == account_id]
        trips = []
        for key in ended:
            state = self._open[key]
            state.updated_at = ts
            self._close(key, state, ts)
            trips.append(
                self._closed[state.id] if self._retain_closed else self._closed.pop(state.id)
            )
        return trips

    def mark(self, account_id: str, symbol: str, price: Decimal, ts: float) -> RoundTrip | None:
        """The open trip, when the mark at `price` grew its MAE or MFE; None otherwise (most
        marks), so that the caller publishes only what changed."""
        state = self._open.get((account_id, symbol))
        if state is None or not state.excursion(price):
            return None
        state.updated_at = ts
        return state.freeze(None)

    def holding(self, account_id: str, symbol: str) -> OrderSide | None:
        """The side of the account's open trip in the symbol (buy: long), if any."""
        state = self._open.get((account_id, symbol))
        return None if state is None else state.side

    def mark_range(self, account_id: str, symbol: str, low: Decimal, high: Decimal) -> None:
        """Marks the open trip at `low` and at `high`: the extremes of the marks since its
        last fill, which are all that can move its MAE or MFE (`journaling` keeps them).
        A mark is no change of the trip's own: `updated_at` stays."""
        state = self._open.get((account_id, symbol))
        if state is not None:
            state.excursion(low)
            state.excursion(high)

    def set_stop(
        self, account_id: str, symbol: str, stop_price: Decimal, ts: float
    ) -> RoundTrip | None:
        """Records a stop placed at `ts` as the open trip's initial stop, and gives the trip;
        None when it does not count: no open trip, an initial stop already, more than
        `stop_window` seconds since the trip opened, or not on the losing side of the
        average entry."""
        state = self._open.get((account_id, symbol))
        if state is None or not state.take_stop(stop_price, ts, self._stop_window):
            return None
        state.updated_at = ts
        return state.freeze(None)

    def annotate(
        self,
        trip_id: str,
        notes: str | None = None,
        tags: tuple[str, ...] | None = None,
        setup: str | None = None,
        screenshot_url: str | None = None,
        *,
        ts: float | None = None,
    ) -> RoundTrip:
        """The trip with what its owner wrote (a PATCH): None leaves a field as it is, a value
        replaces it (`tags` as a whole), and an empty string clears `setup` or
        `screenshot_url`. `ts`, when given, is the new `updated_at`. Raises TripNotFound."""
        clear_setup = setup == ""
        clear_screenshot = screenshot_url == ""
        state = self._open_by_id.get(trip_id)
        if state is not None:
            if notes is not None:
                state.notes = notes
            if tags is not None:
                state.tags = tuple(dict.fromkeys(tags))
            if setup is not None:
                state.setup = None if clear_setup else setup
            if screenshot_url is not None:
                state.screenshot_url = None if clear_screenshot else screenshot_url
            if ts is not None:
                state.updated_at = ts
            return state.freeze(None)
        trip = self._closed.get(trip_id)
        if trip is None:
            raise TripNotFound(trip_id)
        annotated = replace(
            trip,
            notes=trip.notes if notes is None else notes,
            tags=trip.tags if tags is None else tuple(dict.fromkeys(tags)),
            setup=trip.setup if setup is None else (None if clear_setup else setup),
            screenshot_url=(
                trip.screenshot_url
                if screenshot_url is None
                else (None if clear_screenshot else screenshot_url)
            ),
            updated_at=trip.updated_at if ts is None else ts,
        )
        self._closed[trip_id] = annotated
        return annotated

    # ------------------------------------------------------------------ reading

    def trips(self, account_id: str | None = None) -> list[RoundTrip]:
        """Closed trips in the order they closed, then open ones in the order they opened."""
        closed = self._closed.values()
        opened = self._open_by_id.values()
        if account_id is None:
            return [*closed, *(s.freeze(None) for s in opened)]
        return [
            *(t for t in closed if t.account_id == account_id),
            *(s.freeze(None) for s in opened if s.account_id == account_id),
        ]

    def open_trips(self) -> tuple[RoundTrip, ...]:
        """Every open trip, in the order they opened."""
        return tuple(state.freeze(None) for state in self._open_by_id.values())

    def last_seq(self) -> dict[tuple[str, str], int]:
        """The number of the last trip of each (account, symbol): what `restore` takes."""
        return dict(self._seq)

    def trip(self, trip_id: str) -> RoundTrip | None:
        state = self._open_by_id.get(trip_id)
        return state.freeze(None) if state is not None else self._closed.get(trip_id)

    def open_trip(self, account_id: str, symbol: str) -> RoundTrip | None:
        state = self._open.get((account_id, symbol))
        return None if state is None else state.freeze(None)

    # ------------------------------------------------------------------ the arithmetic

    def _apply(self, fill: Fill, point_value: Decimal, context: TripContext) -> list[TripState]:
        """Applies one fill; the states it touched (a closed one is frozen into `_closed`)."""
        key = (fill.account_id, fill.symbol)
        state = self._open.get(key)
        qty, price, ts = fill.qty, fill.price, fill.ts
        if state is None:
            state = self._start(key, fill, qty, fill.commission, point_value)
            if context is not NO_CONTEXT:
                self._after(state, context, ts)
            return [state]
        if not state.low <= price <= state.high:
            state.excursion(price)  # the fill's price marks the trip as it was
        fill_id, order_id = fill.id, fill.order_id
        state.fill_ids += (fill_id,)
        if order_id not in state.order_ids:
            state.order_ids += (order_id,)
        state.updated_at = ts
        if fill.side is state.side:
            value = qty * price
            held = state.qty + qty
            state.qty = held
            state.cost += value
            state.entry_qty += qty
            state.entry_value += value
            state.fees += fill.commission
            if held > state.max_qty:
                state.max_qty = held
            # The marks' bounds start again at the new average entry (whose excursion is
            # nil), not at the fill's price: after a scale-in, the fill's own price is an
            # excursion from the new average, which the next mark there must measure.
            state.low = state.high = state.entry_value / state.entry_qty
            if context is not NO_CONTEXT:
                self._after(state, context, ts)
            return [state]
        # The ledger's arithmetic (positions.apply_fill), step for step, so the sums agree.
        held = state.qty
        closed = qty if qty < held else held
        taken = state.cost if closed == held else pro_rata(state.cost, closed, held)
        state.gross += (closed * price - taken) * state.direction * point_value
        state.exit_qty += closed
        state.exit_value += closed * price
        if qty <= held:
            state.fees += fill.commission
            state.qty = held - closed
            state.cost -= taken
            if state.qty:
                state.low = state.high = state.entry_value / state.entry_qty
                if context is not NO_CONTEXT:
                    self._after(state, context, ts)
                return [state]
            self._close(key, state, ts)
            return [state]
        # A reversal: the closing part ends this trip, the rest opens the next.
        share = pro_rata(fill.commission, closed, qty)
        state.fees += share
        state.qty = ZERO
        state.cost = ZERO
        self._close(key, state, ts)
        following = self._start(key, fill, qty - closed, fill.commission - share, point_value)
        if context is not NO_CONTEXT:
            self._after(following, context, ts)
        return [state, following]

    def _start(
        self, key: tuple[str, str], fill: Fill, qty: Decimal, fees: Decimal, point_value: Decimal
    ) -> TripState:
        seq = self._seq.get(key, 0) + 1
        self._seq[key] = seq
        state = opened(key, seq, fill, qty, fees, point_value)
        state.default_risk = positive(self._default_risk(key[0]))
        self._open[key] = state
        self._open_by_id[state.id] = state
        return state

    def _after(self, state: TripState, context: TripContext, ts: float) -> None:
        state.label(context)
        if context.stop is not None:
            state.take_stop(context.stop, ts, self._stop_window)

    def _close(self, key: tuple[str, str], state: TripState, ts: float) -> None:
        del self._open[key]
        del self._open_by_id[state.id]
        self._closed[state.id] = state.freeze(ts)
