"""Market topics: bars (one minute, and every longer resolution aggregated as it forms),
quotes, and signals; each keeps its last state for the snapshot of a joining client."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np

from propdesk.domain.bars import Bar, BarEvent, Resolution, Tick
from propdesk.marketdata.aggregate import DAY, LATEST, bucket_keys
from propdesk.marketdata.live import Quote
from propdesk.ws.payloads import BarPayload, QuotePayload, RegimePayload, SignalPayload
from propdesk.ws.protocol import (
    BarsUpdateMessage,
    QuotesUpdateMessage,
    RegimeUpdateMessage,
    SignalsUpdateMessage,
    Update,
)
from propdesk.ws.topics import Sources, Topic, TopicKey


class BarsTopic(Topic):
    """One-minute bars straight from the bus."""

    def __init__(self, key: TopicKey, sources: Sources) -> None:
        super().__init__(key, sources)
        self.last: tuple[Bar, bool] | None = None

    async def prepare(self) -> None:
        forming = self.sources.live.forming_bar(self.key.subject)
        if forming is not None:
            self.last = (forming, False)

    def on_message(self, message: object) -> None:
        if isinstance(message, BarEvent):
            self.publish(message.bar, message.closed)

    def publish(self, bar: Bar, closed: bool) -> None:
        self.last = (bar, closed)
        self.emit(lambda seq: self.message(seq, bar, closed, snapshot=False))

    def snapshot(self) -> Update | None:
        if self.last is None:
            return None
        return self.message(self.seq, *self.last, snapshot=True)

    def message(self, seq: int, bar: Bar, closed: bool, *, snapshot: bool) -> BarsUpdateMessage:
        return BarsUpdateMessage.model_construct(
            type="bars.update",
            topic=self.name,
            seq=seq,
            snapshot=snapshot,
            symbol=self.key.subject,
            resolution=self.key.resolution,
            bar=BarPayload.of(bar),
            closed=closed,
        )


class AggregatedBarsTopic(BarsTopic):
    """Bars above one minute: the forming bucket is its closed minutes merged with the
    forming minute; a bucket closes when the first minute of the next one arrives."""

    def __init__(self, key: TopicKey, sources: Sources) -> None:
        super().__init__(key, sources)
        self.resolution = Resolution.parse(key.resolution)
        self.session = sources.catalogue[key.subject].session
        self.stamp: int | None = None
        self.base: Bar | None = None
        """The bucket's closed minutes."""
        self.base_last: int | None = None
        self.forming: Bar | None = None
        """The forming minute, newer than every closed one."""
        self._bucket_cache: tuple[int, int] | None = None

    def bucket(self, minute: int) -> int:
        if self._bucket_cache is None or self._bucket_cache[0] != minute:
            stamp = bucket_keys(np.array([minute], np.int64), self.session, self.resolution)
            self._bucket_cache = (minute, int(stamp[0]))
        return self._bucket_cache[1]

    async def prepare(self) -> None:
        symbol = self.key.subject
        forming = self.sources.live.forming_bar(symbol)
        cache = self.sources.bars
        stored = await cache.bars(symbol) if cache is not None else None
        latest = forming.ts if forming is not None else None
        if latest is None and stored is not None and len(stored):
            latest = int(stored.ts[-1])
        if latest is None:
            return
        self.stamp = stamp = self.bucket(latest)
        if stored is not None and len(stored):
            # A day, week or month bucket begins up to three days before its stamp.
            lead = 0 if self.resolution.intraday else 3 * DAY
            window = stored.between(stamp - lead, LATEST)
            keys = bucket_keys(window.ts, self.session, self.resolution)
            inside = np.flatnonzero(keys == stamp)
            if forming is not None:
                inside = inside[window.ts[inside] < forming.ts]
            if len(inside):
                first, last = int(inside[0]), int(inside[-1])
                self.base = Bar(
                    symbol,
                    stamp,
                    float(window.open[first]),
                    float(window.high[inside].max()),
                    float(window.low[inside].min()),
                    float(window.close[last]),
                    float(window.volume[inside].sum()),
                )
                self.base_last = int(window.ts[last])
        self.forming = forming
        current = self.current()
        if current is not None:
            # Still forming while the market's clock (the last tick: replay runs on its own
            # time) is inside the bucket.
            quote = self.sources.live.quote(symbol)
            now = forming.ts if forming is not None else None
            if now is None and quote is not None:
                now = int(quote.tick.ts) // 60 * 60
            self.last = (current, now is None or self.bucket(now) > stamp)

    def on_message(self, message: object) -> None:
        if not isinstance(message, BarEvent):
            return
        bar = message.bar
        stamp = self.bucket(bar.ts)
        if self.stamp is not None and stamp < self.stamp:
            return  # a minute of a bucket that has closed: bars never rewind
        if self.stamp is not None and stamp > self.stamp:
            closing = self.current()
            if closing is not None:
                self.publish(closing, True)
            self.base = self.forming = None
            self.base_last = None
        self.stamp = stamp
        if self.base_last is not None and bar.ts <= self.base_last:
            return  # already merged (it was stored before this topic read the store)
        if message.closed:
            self.base = bar if self.base is None else _merge(self.base, bar)
            self.base_last = bar.ts
            if self.forming is not None and self.forming.ts <= bar.ts:
                self.forming = None
        else:
            self.forming = bar
        current = self.current()
        if current is not None:
            self.publish(current, False)

    def current(self) -> Bar | None:
        if self.stamp is None:
            return None
        if self.base is None:
            return None if self.forming is None else replace(self.forming, ts=self.stamp)
        merged = self.base if self.forming is None else _merge(self.base, self.forming)
        return replace(merged, ts=self.stamp)


def _merge(first: Bar, then: Bar) -> Bar:
    return Bar(
        first.symbol,
        first.ts,
        first.open,
        max(first.high, then.high),
        min(first.low, then.low),
        then.close,
        first.volume + then.volume,
    )


class QuotesTopic(Topic):
    """Every tick of a symbol, with the figures of its trading day carried along."""

    def __init__(self, key: TopicKey, sources: Sources) -> None:
        super().__init__(key, sources)
        self.quote: Quote | None = None

    async def prepare(self) -> None:
        self.quote = self.sources.live.quote(self.key.subject)

    def on_message(self, message: object) -> None:
        if not isinstance(message, Tick):
            return
        quote = self._next(message)
        self.quote = quote
        self.emit(lambda seq: self.message(seq, quote, snapshot=False))

    def _next(self, tick: Tick) -> Quote:
        live = self.sources.live
        day = live.trading_day(tick.symbol, tick.ts)
        current = self.quote
        if current is not None and current.trading_day == day and tick.ts >= current.tick.ts:
            price = float(tick.last)
            return replace(
                current,
                tick=tick,
                session_high=max(current.session_high, price),
                session_low=min(current.session_low, price),
                session_volume=current.session_volume + float(tick.size),
            )
        # A new trading day (or a rewind): the live state knows the day from the store, once
        # it has taken this tick; until then the day starts here.
        known = live.quote(tick.symbol)
        if known is not None and known.tick == tick:
            return known
        return Quote(
            tick,
            float(tick.last),
            float(tick.last),
            float(tick.last),
            float(tick.size),
            _previous_close(current, day),
            day,
        )

    def snapshot(self) -> Update | None:
        if self.quote is None:
            return None
        return self.message(self.seq, self.quote, snapshot=True)

    def message(self, seq: int, quote: Quote, *, snapshot: bool) -> QuotesUpdateMessage:
        tick = quote.tick
        return QuotesUpdateMessage.model_construct(
            type="quotes.update",
            topic=self.name,
            seq=seq,
            snapshot=snapshot,
            symbol=self.key.subject,
            quote=QuotePayload.model_construct(
                ts=tick.ts,
                last=float(tick.last),
                bid=float(tick.bid),
                ask=float(tick.ask),
                size=float(tick.size),
                open=quote.session_open,
                high=quote.session_high,
                low=quote.session_low,
                volume=quote.session_volume,
                previous_close=quote.previous_close,
                change=quote.change,
                change_percent=quote.change_percent,
                trading_day=quote.trading_day,
            ),
        )


def _previous_close(current: Quote | None, day: date) -> float | None:
    if current is None:
        return None
    if current.trading_day is not None and current.trading_day < day:
        return float(current.tick.last)
    return current.previous_close


class SignalsTopic(Topic):
    """Signals and regime readings of one symbol, or of all (`signals.*`), as the signal
    runner publishes them; no snapshot."""

    def on_message(self, message: object) -> None:
        if isinstance(message, SignalPayload):
            signal = message
            self.emit(
                lambda seq: SignalsUpdateMessage(
                    topic=self.name, seq=seq, symbol=signal.symbol, signal=signal
                )
            )
        elif isinstance(message, RegimePayload):
            regime = message
            self.emit(
                lambda seq: RegimeUpdateMessage(
                    topic=self.name, seq=seq, symbol=regime.symbol, regime=regime
                )
            )
