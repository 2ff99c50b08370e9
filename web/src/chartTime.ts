// Times on the charts in the trader's own time zone. lightweight-charts reads every time as
// UTC; its own advice is to shift the data, which breaks at a DST change (the repeated hour
// is not increasing). Formatting the labels instead keeps the data as the server sent it.
// Daily bars stay in UTC: the datafeed stamps a day's bar at 00:00 UTC of its trading day.
import { TickMarkType, type Time } from "lightweight-charts";

function seconds(time: Time): number {
  if (typeof time === "number") return time;
  if (typeof time === "string") return Date.parse(time) / 1000;
  return Date.UTC(time.year, time.month - 1, time.day) / 1000;
}

function format(time: Time, options: Intl.DateTimeFormatOptions, utc: boolean): string {
  const zone = utc ? { timeZone: "UTC" } : {};
  return new Date(seconds(time) * 1000).toLocaleString(undefined, { ...options, ...zone });
}

const CLOCK: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", hour12: false };
const DAY: Intl.DateTimeFormatOptions = { day: "numeric", month: "short" };

/** The chart options that label its time axis and crosshair in local time. */
export function localTimes(daily = false) {
  return {
    localization: {
      timeFormatter: (time: Time) =>
        daily
          ? format(time, { weekday: "short", ...DAY, year: "numeric" }, true)
          : format(time, { weekday: "short", ...DAY, ...CLOCK }, false),
    },
    timeScale: {
      tickMarkFormatter: (time: Time, kind: TickMarkType) => {
        switch (kind) {
          case TickMarkType.Year:
            return format(time, { year: "numeric" }, daily);
          case TickMarkType.Month:
            return format(time, { month: "short", year: daily ? "numeric" : undefined }, daily);
          case TickMarkType.DayOfMonth: {
            // A UTC midnight is another hour here: the day's label says which.
            if (daily) return format(time, DAY, true);
            const local = new Date(seconds(time) * 1000);
            const midnight = local.getHours() === 0 && local.getMinutes() === 0;
            return format(time, midnight ? DAY : { ...DAY, ...CLOCK }, false);
          }
          default:
            return format(time, CLOCK, daily);
        }
      },
    },
  };
}
