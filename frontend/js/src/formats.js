// How the browser writes times and money for people: the same rules as trading/formats.py.
//
// Time: every instant in Beijing time (the trading center's zone, Asia/Shanghai), whatever the
// visitor's own zone, never an ISO/UTC string: beijingTime(at) "2026-12-04 21:55:02", with
// { zone: true } "2026-12-04 21:55:02（北京时间）" for a time that stands alone (a message).
// Money: amounts stay decimal strings (a float would lose fen): yuanText("4598600.00")
// "4,598,600.00元", capitalYuan("4598600") "肆佰伍拾玖万捌仟陆佰元整", parseAmount(typed).
import { gettext, interpolate } from "./i18n.js";

export const ZONE = "Asia/Shanghai";
const ABSENT = "—";

const clock = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", fractionalSecondDigits: 3,
});

/** The instant `at` (milliseconds, an ISO string with its offset, or a Date) in Beijing time.
 * precision: "s" (2026-12-04 21:55:02), "ms" (…:02.161), "min" (2026-12-04 21:55) or "time"
 * (21:55:02); digits below it are cut, never rounded up (as the server writes them). */
export function beijingTime(at, { precision = "s", zone = false } = {}) {
  const ms = at instanceof Date ? at.getTime() : typeof at === "number" ? at : typeof at === "string" ? Date.parse(at) : NaN;
  if (at === null || at === undefined || Number.isNaN(ms)) return ABSENT;
  const p = Object.fromEntries(clock.formatToParts(new Date(ms)).map(({ type, value }) => [type, value]));
  const date = `${p.year}-${p.month}-${p.day}`;
  const text = {
    min: `${date} ${p.hour}:${p.minute}`,
    s: `${date} ${p.hour}:${p.minute}:${p.second}`,
    ms: `${date} ${p.hour}:${p.minute}:${p.second}.${p.fractionalSecond}`,
    time: `${p.hour}:${p.minute}:${p.second}`,
  }[precision];
  if (text === undefined) throw new Error(`unknown precision ${precision}`);
  return zone ? interpolate(gettext("%(time)s (%(zone)s)"), { time: text, zone: gettext("Beijing time") }) : text;
}

// --- money ---------------------------------------------------------------------------------

/** "17680000.5" → "17,680,000.50": grouped, two decimals, exactly (string arithmetic); null for
 * what is not an amount to the fen. */
export function moneyText(amount) {
  const read = readAmount(amount);
  if (read.error) return null;
  const [whole, fen] = read.value.replace("-", "").split(".");
  return `${read.value.startsWith("-") ? "-" : ""}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fen}`;
}

/** An amount as people write it: "4,598,600.00元" (in English "4,598,600.00 yuan"); what is
 * not an amount is shown as it is, never corrected. */
export function yuanText(amount) {
  if (amount === null || amount === undefined || amount === "") return ABSENT;
  const text = moneyText(amount);
  return text === null ? String(amount) : interpolate(gettext("%(amount)s yuan"), { amount: text });
}

const MESSAGES = {
  empty: () => gettext("Write the amount in yuan, for example 17680000.00 or 17,680,000.00."),
  wan: () => gettext("Write the amount in yuan (元), not in 万元 or 亿元: 17680000.00, not 1768万."),
  grouping: () => gettext("Separate the thousands with commas in groups of three (17,680,000.00), or write no commas (17680000.00)."),
  decimals: () => gettext("At most two decimals (角 and 分): for example 17680000.05."),
  digits: () => gettext("Write the amount in yuan with digits, for example 17680000.00 or 17,680,000.00."),
};

/** What a person typed in a price field, read as trading.formats.parse_amount reads it:
 * "17,680,000.00", "17680000", "１７６８００００", "17680000元" → { value: "17680000.00" };
 * anything else → { error: code, message } saying what to write instead. */
export function parseAmount(typed) {
  const result = readAmount(typed);
  return result.error ? { ...result, message: MESSAGES[result.error]() } : result;
}

function readAmount(typed) {
  if (typeof typed === "number" && Number.isSafeInteger(typed)) typed = String(typed);
  if (typeof typed !== "string") return { error: "digits" };
  let raw = typed.normalize("NFKC").trim().replaceAll("。", ".");
  raw = raw.replace(/^¥/, "").replace(/^人民币/, "").replace(/元$/, "").trim();
  if (!raw) return { error: "empty" };
  if (/[万亿]/.test(raw)) return { error: "wan" };
  if (!/^-?\d+(\.\d+)?$/.test(raw) && !/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw)) {
    return { error: raw.includes(",") && /^-?[\d,]+(\.\d+)?$/.test(raw) ? "grouping" : "digits" };
  }
  const [whole, decimals = ""] = raw.replaceAll(",", "").split(".");
  if (decimals.length > 2) return { error: "decimals" };
  const negative = whole.startsWith("-");
  const digits = whole.replace("-", "").replace(/^0+(?=\d)/, "");
  const value = `${digits}.${decimals.padEnd(2, "0")}`;
  return { value: negative && /[1-9]/.test(value) ? `-${value}` : value };
}

// --- 大写: Chinese capital numerals, as trading.formats.capital_yuan ----------------------------

const DIGITS = "零壹贰叁肆伍陆柒捌玖";
const SMALL_UNITS = ["", "拾", "佰", "仟"];

function below10000(n) {
  let out = "";
  let zero = false;
  for (const power of [3, 2, 1, 0]) {
    const digit = Number((n / 10n ** BigInt(power)) % 10n);
    if (digit === 0) {
      zero = out !== "";
      continue;
    }
    if (zero) out += "零";
    zero = false;
    out += DIGITS[digit] + SMALL_UNITS[power];
  }
  return out;
}

function integer(n) {
  for (const [unit, size] of [["亿", 10n ** 8n], ["万", 10n ** 4n]]) {
    if (n >= size) {
      const high = n / size;
      const rest = n % size;
      return integer(high) + unit + (rest ? (rest < size / 10n ? "零" : "") + integer(rest) : "");
    }
  }
  return below10000(n);
}

/** An amount (a decimal string to the fen, or as typed) in capital numerals (大写):
 * "4598600" → "肆佰伍拾玖万捌仟陆佰元整"; null for what is not an amount or beyond 10^16 yuan.
 * The rules are trading.formats.capital_yuan's (中国人民银行《支付结算办法》附件一). */
export function capitalYuan(amount) {
  const read = readAmount(amount);
  if (read.error) return null;
  const negative = read.value.startsWith("-");
  const fen = BigInt(read.value.replace("-", "").replace(".", ""));
  if (fen >= 10n ** 18n) return null;
  const whole = fen / 100n;
  const jiao = Number((fen / 10n) % 10n);
  const cents = Number(fen % 10n);
  if (fen === 0n) return "零元整";
  let text = whole ? `${integer(whole)}元` : "";
  if (!jiao && !cents) return `${negative ? "负" : ""}${text}整`;
  if (whole && (whole % 10n === 0n || !jiao)) text += "零";
  if (jiao) text += `${DIGITS[jiao]}角`;
  if (cents) text += `${DIGITS[cents]}分`;
  return (negative ? "负" : "") + text;
}

/** A sealed amount (a money item of the opening form) as shown: { text: "4,598,600.00元",
 * capital: "肆佰伍拾玖万捌仟陆佰元整" } when it is a positive amount to the fen, as
 * bidding.record_text.sealed_amount; null otherwise (then it is shown exactly as sealed). */
export function sealedAmountShown(value) {
  if (typeof value !== "string" && !(typeof value === "number" && Number.isSafeInteger(value))) return null;
  const read = readAmount(value);
  if (read.error || read.value.startsWith("-") || !/[1-9]/.test(read.value)) return null;
  return { text: yuanText(read.value), capital: capitalYuan(read.value) };
}
