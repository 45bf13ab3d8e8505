// The summary and ranking (汇总) as the room shows it once the leader has made it: per bid each
// item's points, the technical, commercial and price points (and how the price points were
// computed), the total, the rank, the candidates, the ties and how each was broken; each
// expert's scores per bid on demand; the flags and their outcome. Everything here is the
// server's result (evaluation/formulas.py, docs/evaluation-format.md), shown, never computed.
import { yuanText } from "../formats.js";
import { gettext, interpolate } from "../i18n.js";

/** A DOM element: h("td", { class: "muted" }, "text", child…). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.includes("-")) el.setAttribute(k, v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

const FORMULA = {
  lowest_benchmark: () => gettext("Lowest price as the benchmark: price points = benchmark ÷ bid price × weight"),
  average_benchmark: () => gettext("Average price as the benchmark: price points = weight − |bid price − benchmark| ÷ benchmark × 100 × points per percent"),
};
const DECIDED = {
  price: () => gettext("the lower price"),
  technical: () => gettext("the higher technical points"),
  draw: () => gettext("the draw from the revealed seed"),
};

/** The responsive bids in their rank, then the others, as the result lists them. */
export function rankedBids(result) {
  const ranked = result.bids.filter((b) => b.rank !== null).sort((a, b) => a.rank - b.rank);
  return [...ranked, ...result.bids.filter((b) => b.rank === null)];
}

function priceBlock(doc, result) {
  const p = doc.price;
  const lines = [h("p", {}, FORMULA[p.formula]?.() ?? p.formula),
    h("p", {}, interpolate(gettext("Price weight %(weight)s points; benchmark %(benchmark)s"),
      { weight: Number(p.weight), benchmark: yuanText(result.price.benchmark) }))];
  if (p.formula === "average_benchmark") {
    lines.push(h("p", {}, interpolate(gettext("Mean of %(n)s prices %(mean)s; K %(k)s; %(above)s points off per percent above, %(below)s per percent below"),
      { n: result.price.used.length, mean: yuanText(result.price.mean), k: p.k ?? "0",
        above: Number(p.points_per_percent_above), below: Number(p.points_per_percent_below) })));
    if (result.price.dropped.length) {
      const names = new Map(result.bids.map((b) => [b.id, b.bidder]));
      lines.push(h("p", { class: "muted" }, interpolate(gettext("Left out of the mean (the highest and the lowest): %(bidders)s"),
        { bidders: result.price.dropped.map((id) => names.get(id)).join(gettext(", ")) })));
    }
  }
  return h("div", {}, lines);
}

function rankingTable(doc, result) {
  const candidates = new Set(result.candidates);
  const byPoints = doc.method === "comprehensive";
  const head = [gettext("Rank"), gettext("Bidder"), gettext("Bid price"),
    ...doc.items.map((i) => i.name), gettext("Technical"), gettext("Commercial"), gettext("Price points"),
    byPoints ? gettext("Total") : gettext("Evaluated price"), gettext("Candidate")];
  const rows = rankedBids(result).map((b) => {
    if (!b.responsive) {
      return h("tr", { class: "muted" }, h("td", {}, "—"), h("td", {}, b.bidder), h("td", {}, yuanText(b.price)),
        h("td", { colSpan: doc.items.length + 5 }, gettext("Not evaluated: "), [...new Set(b.reasons)].join(gettext("; "))));
    }
    const items = new Map(b.items.map((i) => [i.item, i.points]));
    const pricePoints = b.deviation_percent === null ? b.price_points
      : interpolate(gettext("%(points)s (%(deviation)s percent from the benchmark)"), { points: b.price_points, deviation: b.deviation_percent });
    return h("tr", {}, h("td", {}, String(b.rank)), h("td", {}, b.bidder), h("td", {}, yuanText(b.price)),
      doc.items.map((i) => h("td", {}, items.get(i.id) ?? "")),
      h("td", {}, b.technical), h("td", {}, b.commercial), h("td", {}, pricePoints),
      h("td", {}, byPoints ? b.total : yuanText(b.evaluated_price)),
      h("td", {}, candidates.has(b.id) ? interpolate(gettext("Candidate %(n)s"), { n: result.candidates.indexOf(b.id) + 1 }) : ""));
  });
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, byPoints ? gettext("Ranked by total points, highest first") : gettext("Ranked by evaluated price, lowest first")),
    h("thead", {}, h("tr", {}, head.map((t) => h("th", {}, t)))), h("tbody", {}, rows)));
}

function tiesBlock(doc, result) {
  if (!result.ties.length) return null;
  const names = new Map(result.bids.map((b) => [b.id, b.bidder]));
  const items = result.ties.map((tie) => h("li", {},
    interpolate(gettext("Equal at %(value)s: %(bidders)s."), { value: tie.on === "total" ? tie.value : yuanText(tie.value),
      bidders: tie.bids.map((id) => names.get(id)).join(gettext(", ")) }),
    " ", tie.decided.map((rule, n) => interpolate(gettext("%(first)s before %(second)s by %(rule)s."),
      { first: names.get(tie.bids[n]), second: names.get(tie.bids[n + 1]), rule: DECIDED[rule]?.() ?? rule })).join(" "),
    tie.draws.length ? h("div", { class: "muted" }, tie.draws.map((d) => `${names.get(d.bid)}: ${d.digest.slice(0, 16)}…`).join(gettext("; "))) : null));
  return h("div", {}, h("h3", {}, gettext("Ties")), h("ul", {}, items),
    h("p", { class: "muted" }, interpolate(gettext("Tie-break seed %(seed)s, committed as %(commitment)s when the room opened."),
      { seed: doc.tie_break.seed, commitment: doc.tie_break.commitment })));
}

// Each expert's scores for one bid, drawn when its details are opened: 200 bids × 30 items × 9
// experts are too many cells to draw at once.
function expertScores(doc, bid) {
  const experts = doc.experts;
  const details = h("details", {}, h("summary", {}, interpolate(gettext("Each expert's scores: %(bidder)s"), { bidder: bid.bidder })));
  details.addEventListener("toggle", () => {
    if (!details.open || details.dataset.drawn) return;
    details.dataset.drawn = "1";
    const itemNames = new Map(doc.items.map((i) => [i.id, i.name]));
    const rows = bid.items.map((it) => {
      const given = new Map(it.scores.map((s) => [s.expert, s.points]));
      const dropped = new Set(it.dropped);
      return h("tr", {}, h("td", {}, itemNames.get(it.item)),
        experts.map((e) => h("td", { class: dropped.has(e.id) ? "muted" : null, title: dropped.has(e.id) ? gettext("Dropped (highest or lowest)") : null },
          given.get(e.id) ?? "")),
        h("td", {}, it.points));
    });
    details.append(h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, gettext("Item")), experts.map((e) => h("th", {}, e.name)), h("th", {}, gettext("Points")))),
      h("tbody", {}, rows))));
  });
  return details;
}

function flagsBlock(snap, doc, flags) {
  if (!flags?.length) return null;
  const experts = new Map(doc.experts.map((e) => [e.id, e.name]));
  const bidders = new Map(doc.bids.map((b) => [b.id, b.bidder]));
  const items = new Map(doc.items.map((i) => [i.id, i.name]));
  const outcome = (f) => (f.answered === "confirmed" ? interpolate(gettext("kept: %(reason)s"), { reason: f.reason })
    : f.answered === "changed" ? gettext("changed by the expert") : gettext("not answered"));
  return h("div", {}, h("h3", {}, gettext("Flagged scores and their outcome")),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, [gettext("Expert"), gettext("Bidder"), gettext("Item"), gettext("Points"),
        gettext("Other experts' mean"), gettext("Outcome")].map((t) => h("th", {}, t)))),
      h("tbody", {}, flags.map((f) => h("tr", {}, h("td", {}, experts.get(f.member) ?? ""), h("td", {}, bidders.get(f.bid) ?? ""),
        h("td", {}, items.get(f.item) ?? ""), h("td", {}, f.points), h("td", {}, String(Number(f.others_mean))), h("td", {}, outcome(f))))))));
}

export function renderSummary(snap, part) {
  const { document: doc, result } = part.summary;
  return h("div", {}, h("h3", {}, gettext("Summary and ranking")), priceBlock(doc, result), rankingTable(doc, result),
    tiesBlock(doc, result), rankedBids(result).filter((b) => b.responsive && b.items.length).map((b) => expertScores(doc, b)),
    flagsBlock(snap, doc, part.flags));
}
