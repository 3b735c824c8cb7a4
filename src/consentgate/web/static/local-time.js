// consentgate: dates in the reader's own locale and time zone (progressive enhancement).
//
// The server writes every date as <time datetime="…Z"> with English text in UTC: an exact time
// ("2 Dec 2026, 14:05 UTC", data-format="exact") or a relative one ("3 days ago",
// data-format="relative", the exact UTC time in its title). This script rewrites that text with
// Intl.DateTimeFormat / Intl.RelativeTimeFormat in the browser's locale and time zone, and puts the
// exact local time, with its zone, in the title. Without JavaScript the server's text stays.
// Our own code, no dependency; loaded as a module (the pages' CSP allows no inline script).

const exactFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});
const fullFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "long",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** Rough steps, as the server's words: seconds under a minute read as "now". */
const STEPS = [
  [60, "second", Infinity],
  [3600, "minute", 60],
  [86400, "hour", 3600],
  [30 * 86400, "day", 86400],
  [365 * 86400, "month", 30 * 86400],
  [Infinity, "year", 365 * 86400],
];

/** "3 days ago", "in 2 months", "now" in the reader's language. */
export function relative(moment, now = Date.now()) {
  const seconds = (moment.getTime() - now) / 1000;
  const [, unit, per] = STEPS.find(([limit]) => Math.abs(seconds) < limit);
  if (per === Infinity) return relativeFormat.format(0, "second");
  return relativeFormat.format(Math.round(seconds / per), unit);
}

/** Rewrite one <time datetime> element; leave it alone if its datetime does not parse. */
export function localize(element, now = Date.now()) {
  const moment = new Date(element.getAttribute("datetime") || "");
  if (Number.isNaN(moment.getTime())) return;
  const text = element.dataset.format === "relative" ? relative(moment, now) : exactFormat.format(moment);
  element.textContent = text;
  element.title = fullFormat.format(moment);
  element.dataset.localized = "yes";
}

for (const element of document.querySelectorAll("time[datetime]")) localize(element);
