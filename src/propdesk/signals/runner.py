"""The signal runner: every closed bar through the regime classifiers and the enabled
strategies, each signal stored and then published.

It follows the feed's closed one-minute bars on the bus and builds each classified resolution
from them (`signals.bars`). One track per (symbol, resolution) holds the bar builder, the
regime classifier and the strategies that run there; every closed bar goes to the classifier
first, then to each strategy with that bar's reading.

A track starts from the store, not from nothing: at start (once the feed is ready: its
backfill is stored) and whenever the bars it is given jump past minutes it has not seen (a
restart, an outage, a replay that begins elsewhere), it replays the stored minutes it lacks,
or, when those are more than `signals_warm_up_bars` bars of its resolution, the newest
`signals_warm_up_bars` bars afresh. Replayed bars set the state only: a signal is given, stored
and published only for a bar that closed less than one bar ago on the feed's clock (its newest
minute). A signal's id names its bar, so one is never stored or published twice, across
restarts too.

Published on the bus, after they are stored: each signal as the domain `Signal` on
`Topics.SIGNALS` (the auto-trader's input) and as a `SignalPayload` on `Topics.SIGNAL_UPDATES`;
every regime reading of a live bar as a `RegimePayload` there too (and, after a replay, the
track's latest one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from propdesk.bus.base import Bus, Subscription, Topics
from propdesk.config import Settings
from propdesk.domain.bars import Bar, BarEvent, Resolution
from propdesk.domain.instruments import Instrument
from propdesk.domain.strategies import Signal, Strategy, StrategyParams
from propdesk.marketdata.aggregate import LATEST
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.signals.bars import BarBuilder, bars_of, recent_bars, session_start
from propdesk.signals.plugins import InvalidParams, StrategyPlugin
from propdesk.signals.regimes import RegimeBook, RegimeStep, RegimeTracker
from propdesk.store.db import Database
from propdesk.store.repositories.signals import insert_regime_change, insert_signal
from propdesk.ws.payloads import RegimePayload, SignalPayload

log = structlog.get_logger(__name__)

READY_POLL_SECONDS = 0.5


@dataclass(slots=True)
class RunningStrategy:
    """One enabled strategy on one symbol at one resolution."""

    plugin: StrategyPlugin
    params: StrategyParams
    params_json: dict[str, Any]
    instance: Strategy[Any]
    instrument: Instrument
    resolution: Resolution

    def start(self) -> None:
        self.instance.on_start(
            self.instrument.symbol,
            str(self.resolution),
            self.instrument.tick_size,
            self.params,
            session_start=session_start(self.instrument.session),
        )


class Track:
    """One symbol at one resolution: its bars, its regime and the strategies that run there."""

    def __init__(self, instrument: Instrument, resolution: Resolution, regime: RegimeTracker):
        self.instrument = instrument
        self.resolution = resolution
        self.builder = BarBuilder(instrument, resolution)
        self.regime = regime
        self.strategies: list[RunningStrategy] = []
        self.lock = asyncio.Lock()

    def restart(self) -> None:
        self.builder.reset()
        self.regime.reset()
        for running in self.strategies:
            running.start()

    def fresh(self, bar: Bar, now: int | None) -> bool:
        """Whether a bar closed less than one bar before minute `now` (None: replayed)."""
        return now is not None and now < bar.ts + 2 * self.resolution.seconds


@dataclass(slots=True)
class Outcome:
    """What one round of bars gave, to store and then publish."""

    regimes: list[tuple[RegimeStep, bool]] = field(default_factory=list)
    """Each reading, and whether its bar is live."""
    signals: list[tuple[RunningStrategy, Signal]] = field(default_factory=list)


@dataclass(slots=True)
class RunnerStats:
    minutes: int = 0
    """Closed one-minute bars taken from the bus."""
    bars: int = 0
    """Closed bars of the tracks' resolutions read, replayed ones included."""
    signals: int = 0
    """Signals stored and published."""


class SignalRunner:
    """Runs between `start()` and `stop()`; `process(minute)` takes one closed minute (what
    the task does with each from the bus), for tests that drive it themselves."""

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        database: Database,
        bus: Bus,
        bars: BarCache,
        plugins: dict[str, StrategyPlugin],
        *,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.database = database
        self.bus = bus
        self.bars = bars
        self.plugins = plugins
        self.ready = ready
        """Whether the history is stored (the in-process feed's backfill is done)."""
        self.warm_up_bars = settings.signals_warm_up_bars
        self.regimes = RegimeBook(settings.regime_parameters())
        self.stats = RunnerStats()
        self.warmed = asyncio.Event()
        """Set once every track has replayed the stored history at start."""
        self.tracks: dict[tuple[str, str], Track] = {}
        self._by_symbol: dict[str, list[Track]] = {}
        self.running: list[RunningStrategy] = []
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._build()

    # --- set-up ------------------------------------------------------------------------------

    def _track(self, instrument: Instrument, resolution: Resolution) -> Track:
        key = (instrument.symbol, str(resolution))
        track = self.tracks.get(key)
        if track is None:
            regime = self.regimes.tracker(*key)
            track = self.tracks[key] = Track(instrument, resolution, regime)
            self._by_symbol.setdefault(instrument.symbol.upper(), []).append(track)
        return track

    def _instrument(self, symbol: str, setting: str) -> Instrument:
        if symbol not in self.catalogue:
            raise ValueError(f"{setting}: unknown symbol {symbol!r}")
        return self.catalogue[symbol]

    def _build(self) -> None:
        """Every track and strategy the settings ask for; ValueError names a bad setting."""
        settings = self.settings
        symbols = settings.regime_symbols or list(self.catalogue)
        for symbol in symbols:
            instrument = self._instrument(symbol, "PROPDESK_REGIME_SYMBOLS")
            for text in settings.regime_resolutions:
                self._track(instrument, Resolution.parse(text))
        seen: set[tuple[str, str, str]] = set()
        for setting in settings.strategies:
            plugin = self.plugins.get(setting.name)
            if plugin is None:
                raise ValueError(
                    f"PROPDESK_STRATEGIES: unknown strategy {setting.name!r}; installed: "
                    f"{', '.join(sorted(self.plugins))}"
                )
            try:
                params = plugin.parse(setting.params)
            except InvalidParams as error:
                raise ValueError(f"PROPDESK_STRATEGIES: {error}") from None
            resolution = Resolution.parse(setting.resolution)
            for symbol in setting.symbols:
                instrument = self._instrument(symbol, "PROPDESK_STRATEGIES")
                key = (setting.name, instrument.symbol, str(resolution))
                if key in seen:
                    raise ValueError(f"PROPDESK_STRATEGIES: {'/'.join(key)} is enabled twice")
                seen.add(key)
                running = RunningStrategy(
                    plugin, params, plugin.dump(params), plugin.strategy(), instrument, resolution
                )
                try:
                    running.start()
                except (TypeError, ValueError) as error:
                    raise ValueError(f"PROPDESK_STRATEGIES: {'/'.join(key)}: {error}") from None
                self._track(instrument, resolution).strategies.append(running)
                self.running.append(running)

    # --- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        if self._tasks:
            return
        # Subscribe first: a bar published while the store is read waits in the queue.
        self._subscription = subscription = self.bus.subscribe(Topics.BARS)
        try:
            await self.regimes.load(self.database)
        except Exception:
            log.exception("could not read the regime history; it goes on from here")
        self._tasks = [
            asyncio.create_task(self._follow(subscription), name="propdesk-signals"),
            asyncio.create_task(self._warm_all(), name="propdesk-signals-warm-up"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    @property
    def healthy(self) -> bool:
        """False once the task that follows the bars has died (a bar's failure never kills
        it: it is logged and the next bar taken)."""
        return all(not task.done() for task in self._tasks[:1])

    async def _follow(self, subscription: Subscription) -> None:
        while True:
            event = await subscription.get()
            if not isinstance(event, BarEvent) or not event.closed:
                continue
            try:
                await self.process(event.bar)
            except Exception:
                log.exception("signals: a closed bar failed", symbol=event.bar.symbol)

    async def _warm_all(self) -> None:
        """Every track from the store, once the store holds the history."""
        # The feed tells readiness as a property (health reads it so), not as an event.
        while not self.ready():  # noqa: ASYNC110
            await asyncio.sleep(READY_POLL_SECONDS)
        for track in list(self.tracks.values()):
            try:
                outcome = Outcome()
                async with track.lock:
                    await self._catch_up(track, LATEST, None, outcome)
                await self._commit(outcome)
            except Exception:
                log.exception("signals: warm-up failed", symbol=track.instrument.symbol)
            await asyncio.sleep(0)  # a turn for the bars and requests waiting meanwhile
        self.warmed.set()
        log.info("signals warmed up", tracks=len(self.tracks), strategies=len(self.running))

    # --- bars --------------------------------------------------------------------------------

    async def process(self, minute: Bar) -> None:
        """One closed one-minute bar from the feed."""
        tracks = self._by_symbol.get(minute.symbol.upper())
        self.stats.minutes += 1
        if not tracks:
            return
        outcome = Outcome()
        for track in tracks:
            async with track.lock:
                await self._take(track, minute, outcome)
        await self._commit(outcome)

    async def _take(self, track: Track, minute: Bar, outcome: Outcome) -> None:
        last = track.builder.last_minute
        if last is not None and minute.ts <= last:
            if minute.ts == last:
                return  # seen already (a replayed history reached it first)
            # The bars went back in time (a replay from an earlier point): start afresh there.
            track.restart()
            last = None
        if last is None or minute.ts > last + 60:
            await self._catch_up(track, minute.ts, minute.ts, outcome)
        for bar in track.builder.add(minute):
            self._bar(track, bar, track.fresh(bar, minute.ts), outcome)

    async def _catch_up(self, track: Track, before: int, now: int | None, outcome: Outcome) -> None:
        """Replay the stored minutes the track lacks before minute `before`."""
        stored = await self.bars.bars(track.instrument.symbol)
        last = track.builder.last_minute
        if last is not None:
            gap = stored.between(last + 60, before)
            enough = self.warm_up_bars * max(1, track.resolution.seconds // 60)
            if len(gap) <= enough:
                for bar in track.builder.extend(bars_of(gap, track.instrument.symbol)):
                    self._bar(track, bar, track.fresh(bar, now), outcome)
                return
        track.restart()
        recent = recent_bars(stored, track.instrument, track.resolution, self.warm_up_bars, before)
        for bar in recent.bars:
            self._bar(track, bar, track.fresh(bar, now), outcome)
        track.builder.seed(recent.forming, recent.last_minute)

    def _bar(self, track: Track, bar: Bar, live: bool, outcome: Outcome) -> None:
        self.stats.bars += 1
        step = track.regime.update(bar)
        if step is not None:
            outcome.regimes.append((step, live))
        reading = None if step is None else step.reading
        for running in track.strategies:
            try:
                signal = running.instance.on_bar(bar, reading)
            except Exception:
                log.exception("signals: a strategy failed on a bar", strategy=running.plugin.name)
                continue
            if signal is not None and live:
                outcome.signals.append((running, signal))

    # --- store, then publish -----------------------------------------------------------------

    async def _commit(self, outcome: Outcome) -> None:
        changes = [step for step, _ in outcome.regimes if step.begins]
        given: list[Signal] = []
        if changes or outcome.signals:
            try:
                async with self.database.connect() as connection:
                    for step in changes:
                        await insert_regime_change(
                            connection, step.symbol, step.resolution, step.reading
                        )
                    for running, signal in outcome.signals:
                        if await insert_signal(connection, signal, running.params_json):
                            given.append(signal)
            except Exception:
                log.exception(
                    "signals: storing failed; not published", signals=len(outcome.signals)
                )
                return
        for step in self._shown(outcome):
            payload = RegimePayload.of(
                step.symbol, step.resolution, step.reading, step.since, changed=step.begins
            )
            await self.bus.publish(Topics.SIGNAL_UPDATES, payload)
        for signal in given:
            self.stats.signals += 1
            log.info(
                "signal", id=signal.id, direction=signal.direction.value, entry=str(signal.entry)
            )
            await self.bus.publish(Topics.SIGNAL_UPDATES, SignalPayload.of(signal))
            await self.bus.publish(Topics.SIGNALS, signal)

    @staticmethod
    def _shown(outcome: Outcome) -> list[RegimeStep]:
        """Every live reading, and the latest of a track that only replayed."""
        shown: list[RegimeStep] = []
        replayed: dict[tuple[str, str], RegimeStep] = {}
        live_keys: set[tuple[str, str]] = set()
        for step, live in outcome.regimes:
            key = (step.symbol, step.resolution)
            if live:
                shown.append(step)
                live_keys.add(key)
            else:
                replayed[key] = step
        shown.extend(step for key, step in replayed.items() if key not in live_keys)
        return shown
