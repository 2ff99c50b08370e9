// Numbers and times as the desk shows them.
const money = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

export function fmtMoney(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : money.format(value);
}

export function fmtSigned(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  const cents = Math.round(value * 100) / 100; // −0.004 is $0.00, not −$0.00
  return (cents > 0 ? "+" : "") + money.format(cents === 0 ? 0 : cents);
}

export function fmtNumber(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? "–" : value.toFixed(digits);
}

export function fmtPrice(value: number | null | undefined, decimals = 2): string {
  return value === null || value === undefined ? "–" : value.toFixed(decimals);
}

export function fmtR(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return `${value > 0 ? "+" : ""}${value.toFixed(2)}R`;
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toLocaleString("en-GB", {
    month: "short",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function tone(value: number | null | undefined): string {
  if (!value) return "";
  return value > 0 ? "up" : "down";
}
