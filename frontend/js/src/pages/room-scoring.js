// The evaluation room page's scoring panel: a member scores each item of each evaluated bid
// within its range, sees their own progress, submits; answers the flags on their own scores
// (change or keep with a reason); votes on bids below cost; the leader returns a member's
// scores and makes the summary, which everyone then reads (./room-summary.js).
// render(snap, act) returns the panel's element, or null when it has nothing to show now:
//   snap: the room's snapshot (snap.scoring is this part's piece, evaluation/room/scoring_view.py;
//         snap.you: {role, member_id, leader}; snap.bids and snap.members the room's);
//   act(command, fields): sends a command; a Promise of the server's answer.
// The panel is one element kept across snapshots: the page re-renders after every event, and a
// score being typed (its input, its focus) must survive another member's progress.
import { askToConfirm } from "../confirm.js";
import { yuanText } from "../formats.js";
import { gettext, interpolate, ngettext } from "../i18n.js";
import { h, renderSummary } from "./room-summary.js";

const CATEGORY = { technical: () => gettext("Technical"), commercial: () => gettext("Commercial") };

const kept = { root: null, inputs: new Map(), bid: null };

/** The points typed, as the server takes them: a decimal string ("15.5"), full-width digits read too. */
export function pointsTyped(text) {
  const t = String(text ?? "").trim().replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  return /^\d+(\.\d{1,2})?$/.test(t) ? t : null;
}

/** Each evaluated bid's own count of scores given, from the member's scores. */
export function givenByBid(mine) {
  const given = new Map();
  for (const s of mine?.scores ?? []) given.set(s.bid, (given.get(s.bid) ?? 0) + 1);
  return given;
}

/** Each bid's count of the member's flagged scores still awaiting their answer. */
export function openFlagsByBid(mine) {
  const open = new Map();
  for (const s of mine?.scores ?? []) if (s.flag && !s.flag.answered) open.set(s.bid, (open.get(s.bid) ?? 0) + 1);
  return open;
}

const names = (snap) => new Map((snap.members ?? []).map((m) => [m.id, m.name]));
const bidsById = (snap) => new Map((snap.bids ?? []).map((b) => [b.id, b]));

function answerShown(el, answer) {
  el.textContent = answer?.type === "error" ? answer.message : "";
  return answer?.type !== "error";
}

function progressTable(snap, part, act) {
  const who = names(snap);
  const leader = snap.you?.leader && snap.state === "scoring";
  const rows = part.progress.map((p) => h("tr", {},
    h("td", {}, who.get(p.member) ?? "—"),
    h("td", {}, interpolate(gettext("%(scored)s of %(needed)s"), p)),
    // Under "Submission": submitted or not yet ("Scoring" read 评分 there, the panel's own title).
    h("td", {}, p.submitted ? gettext("Submitted") : gettext("Not yet")),
    h("td", {}, p.flags_open ? String(p.flags_open) : ""),
    leader ? h("td", {}, p.submitted ? returnButton(p.member, who, act) : "") : null));
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, gettext("The committee's progress (counts only until the summary)")),
    h("thead", {}, h("tr", {}, h("th", {}, gettext("Member")), h("th", {}, gettext("Scores given")),
      h("th", {}, gettext("Submission")), h("th", {}, gettext("Flags awaiting an answer")), leader ? h("th", {}, "") : null)),
    h("tbody", {}, rows)));
}

function returnButton(memberId, who, act) {
  const said = h("span", { class: "errors", role: "alert" });
  const button = h("button", { type: "button", class: "secondary" }, gettext("Return to correct"));
  button.addEventListener("click", async () => {
    const reason = window.prompt(interpolate(gettext("Why are %(name)s's scores returned?"), { name: who.get(memberId) ?? "" }));
    if (!reason || !reason.trim()) return;
    answerShown(said, await act("return_scores", { member_id: memberId, reason: reason.trim() }));
  });
  return [button, said];
}

function bidChooser(snap, part, given) {
  const items = part.items.length;
  const all = bidsById(snap);
  // A flag is told to its member alone; the row says where it is, so they need not open every bid.
  const flags = openFlagsByBid(part.mine);
  const rows = part.bids.map((b) => {
    const bid = all.get(b.id) ?? { order: "", bidder: "", price: null };
    const open = flags.get(b.id) ?? 0;
    const state = b.scored
      ? [interpolate(gettext("%(given)s of %(items)s items scored"), { given: given.get(b.id) ?? 0, items }),
        open ? h("div", { class: "flag" }, interpolate(ngettext("%(n)s flagged score awaits your answer",
          "%(n)s flagged scores await your answer", open), { n: open })) : null]
      : b.below_cost ? gettext("Rejected as below cost") : gettext("Did not pass the review");
    const choose = b.scored
      ? h("button", { type: "button", class: kept.bid === b.id ? "" : "secondary", "aria-pressed": String(kept.bid === b.id) }, gettext("Score"))
      : null;
    choose?.addEventListener("click", () => { kept.bid = b.id; kept.rerender?.(); });
    return h("tr", {}, h("td", {}, String(bid.order)), h("td", {}, bid.bidder), h("td", {}, yuanText(bid.price)),
      h("td", {}, state, b.reasons.length ? h("div", { class: "muted" }, [...new Set(b.reasons)].join(gettext("; "))) : null),
      h("td", {}, choose));
  });
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, gettext("Bids")),
    h("thead", {}, h("tr", {}, h("th", {}, gettext("No.")), h("th", {}, gettext("Bidder")), h("th", {}, gettext("Bid price")),
      h("th", {}, gettext("Your scoring")), h("th", {}, ""))),
    h("tbody", {}, rows)));
}

function flagText(flag) {
  if (!flag) return "";
  const way = flag.direction === "above" ? gettext("far above the other experts' mean") : gettext("far below the other experts' mean");
  if (flag.answered === "confirmed") return interpolate(gettext("Flagged (%(way)s); kept: %(reason)s"), { way, reason: flag.reason });
  if (flag.answered === "changed") return gettext("Flagged; changed since");
  return interpolate(gettext("Flagged: %(way)s. Change it, or keep it and say why."), { way });
}

// One input per bid and item, made once and kept: what is typed survives the re-renders.
function input(act, bidId, item, score, locked) {
  const key = `${bidId}:${item.id}`;
  let one = kept.inputs.get(key);
  if (!one) {
    const field = h("input", { type: "text", inputMode: "decimal", autocomplete: "off", size: 6,
      "aria-label": interpolate(gettext("Points for %(name)s (%(low)s–%(high)s)"), { name: item.name, low: Number(item.low), high: Number(item.high) }) });
    const said = h("span", { class: "errors", role: "alert" });
    one = { field, said, sent: null };
    field.addEventListener("change", async () => {
      const points = pointsTyped(field.value);
      if (points === null) {
        field.setAttribute("aria-invalid", "true");
        said.textContent = interpolate(gettext("Write points from %(low)s to %(high)s, at most two decimals."),
          { low: Number(item.low), high: Number(item.high) });
        return;
      }
      const ok = answerShown(said, await act("record_score", { bid_id: bidId, item_id: item.id, points }));
      if (ok) {
        field.removeAttribute("aria-invalid");
        one.sent = points;
      } else field.setAttribute("aria-invalid", "true");
    });
    kept.inputs.set(key, one);
  }
  const stored = score?.points ?? "";
  // The server's value, unless the member is typing another one or a refused one stands with its reason.
  const typing = document.activeElement === one.field || one.field.getAttribute("aria-invalid") === "true";
  if (!typing && (one.sent === null || Number(one.sent) === Number(stored))) {
    one.field.value = stored === "" ? "" : String(Number(stored));
    one.sent = null;
  }
  one.field.disabled = locked && !score?.flag;
  return one;
}

function confirmForm(act, bidId, itemId) {
  const reason = h("textarea", { rows: 2, "aria-label": gettext("Why you keep this score") });
  const said = h("span", { class: "errors", role: "alert" });
  const button = h("button", { type: "button" }, gettext("Keep this score"));
  button.addEventListener("click", async () => {
    answerShown(said, await act("confirm_flag", { bid_id: bidId, item_id: itemId, reason: reason.value.trim() }));
  });
  return h("div", { class: "field" }, reason, button, said);
}

function itemsTable(snap, part, act, bidId) {
  const mine = new Map((part.mine?.scores ?? []).filter((s) => s.bid === bidId).map((s) => [s.item, s]));
  const locked = part.mine?.submitted;
  const rows = part.items.map((item) => {
    const score = mine.get(item.id);
    const one = input(act, bidId, item, score, locked);
    const open = score?.flag && !score.flag.answered;
    return h("tr", { class: open ? "flag" : null },
      h("td", {}, CATEGORY[item.category]?.() ?? item.category),
      h("td", {}, item.name, item.guidance ? h("div", { class: "muted" }, item.guidance) : null),
      h("td", {}, interpolate(gettext("%(low)s–%(high)s"), { low: Number(item.low), high: Number(item.high) })),
      h("td", {}, one.field, one.said),
      h("td", {}, flagText(score?.flag), open ? confirmForm(act, bidId, item.id) : null));
  });
  const bid = bidsById(snap).get(bidId);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, interpolate(gettext("Scoring %(bidder)s"), { bidder: bid?.bidder ?? "" })),
    h("thead", {}, h("tr", {}, h("th", {}, gettext("Item category")), h("th", {}, gettext("Item and guidance")),
      h("th", {}, gettext("Points range")), h("th", {}, gettext("Your points")), h("th", {}, gettext("Flag")))),
    h("tbody", {}, rows)));
}

function submitBlock(part, act, scored) {
  const said = h("p", { class: "errors", role: "alert" });
  if (part.mine.submitted) return h("p", {}, gettext("You have submitted your scores."));
  const missing = part.needed - scored;
  const button = h("button", { type: "button", disabled: missing > 0 }, gettext("Submit my scores"));
  button.addEventListener("click", async () => {
    const yes = await askToConfirm({ title: gettext("Submit your scores?"),
      detail: gettext("After submitting you can change only a score that is flagged, unless the leader returns your scores."),
      action: gettext("Submit") });
    if (yes) answerShown(said, await act("submit_scores", {}));
  });
  return h("div", { class: "actions" }, button,
    missing > 0 ? h("span", { class: "muted" }, interpolate(ngettext("%(n)s score still to give", "%(n)s scores still to give", missing), { n: missing })) : null,
    said);
}

function belowCost(snap, part, act) {
  const who = names(snap);
  const all = bidsById(snap);
  const me = snap.you?.member_id;
  const rows = part.bids.filter((b) => b.passed_review).map((b) => {
    const votes = b.votes.map((v) => h("li", {}, interpolate(gettext("%(name)s: %(vote)s (%(reason)s)"),
      { name: who.get(v.member) ?? "—", vote: v.below_cost ? gettext("below cost") : gettext("not below cost"), reason: v.reason })));
    let form = null;
    if (me && snap.state === "scoring") {
      const choice = h("select", { "aria-label": gettext("Your vote") },
        h("option", { value: "below_cost" }, gettext("Below cost")), h("option", { value: "not_below_cost" }, gettext("Not below cost")));
      const reason = h("textarea", { rows: 2, "aria-label": gettext("The reason for your vote") });
      const said = h("span", { class: "errors", role: "alert" });
      const button = h("button", { type: "button", class: "secondary" }, gettext("Vote"));
      button.addEventListener("click", async () => {
        answerShown(said, await act("vote_below_cost", { bid_id: b.id, vote: choice.value, reason: reason.value.trim() }));
      });
      form = h("div", { class: "field" }, choice, reason, button, said);
    }
    return h("tr", {}, h("td", {}, all.get(b.id)?.bidder ?? ""), h("td", {}, yuanText(all.get(b.id)?.price)),
      h("td", {}, b.below_cost ? gettext("Rejected by the committee's majority") : "", votes.length ? h("ul", {}, votes) : null),
      h("td", {}, form));
  });
  return h("details", {}, h("summary", {}, gettext("Bids suspected below cost (the committee's vote, with reasons)")),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, gettext("Bidder")), h("th", {}, gettext("Bid price")),
        h("th", {}, gettext("Votes")), h("th", {}, ""))),
      h("tbody", {}, rows))));
}

function summarizeBlock(snap, part, act) {
  if (!snap.you?.leader || snap.state !== "scoring") return null;
  const ready = part.all_submitted && part.open_flags === 0;
  const said = h("p", { class: "errors", role: "alert" });
  const button = h("button", { type: "button", disabled: !ready }, gettext("Make the summary and ranking"));
  button.addEventListener("click", async () => {
    const yes = await askToConfirm({ title: gettext("Make the summary?"),
      detail: gettext("The points and the ranking are computed from the submitted scores; no score can change after."),
      action: gettext("Make the summary") });
    if (yes) answerShown(said, await act("summarize", {}));
  });
  const waiting = ready ? null : h("span", { class: "muted" }, part.all_submitted
    ? interpolate(ngettext("%(n)s flag awaits its member's answer", "%(n)s flags await their members' answers", part.open_flags), { n: part.open_flags })
    : gettext("Every member submits first."));
  return h("div", { class: "actions" }, button, waiting, said);
}

/** What a scoring event says in the room's record, beyond its name (the page's log): counts and
 * names only, as the events carry them; a flag's event reaches its member alone. */
export function describe(ev, snap) {
  const d = ev.data ?? {};
  const name = (id) => names(snap).get(id) ?? "";
  switch (ev.kind) {
    case "scoring_progress": return interpolate(gettext("%(name)s: %(recorded)s of %(total)s"), { name: name(d.member), recorded: d.scored, total: d.needed });
    case "scores_submitted": return interpolate(gettext("%(name)s (%(submitted)s of %(seated)s members)"), { name: name(d.member), submitted: d.members_submitted, seated: d.members_seated });
    case "flag_confirmed": return name(d.member);
    case "score_flagged": return (d.flags ?? []).map((f) => interpolate(gettext("%(name)s: %(reason)s"), { name: f.bidder, reason: f.item_name })).join(gettext("; "));
    case "below_cost_vote": return interpolate(gettext("%(name)s: %(reason)s"), { name: d.bidder,
      reason: interpolate(gettext("%(name)s: %(vote)s (%(reason)s)"), { name: name(d.member), vote: d.below_cost ? gettext("below cost") : gettext("not below cost"), reason: d.reason }) });
    case "summarized": return (d.candidates ?? []).map((c, n) => interpolate(gettext("%(name)s: %(reason)s"),
      { name: interpolate(gettext("Candidate %(n)s"), { n: n + 1 }), reason: c.name })).join(gettext("; "));
    default: return "";
  }
}

export function render(snap, act) {
  const part = snap.scoring;
  if (!part || !part.items) return null;
  const focused = document.activeElement;
  kept.rerender = () => render(snap, act);
  const root = kept.root ?? (kept.root = h("section", { class: "card", "aria-labelledby": "scoring-title" }));
  const body = [h("h2", { id: "scoring-title" }, gettext("Scoring"))];
  if (part.summary) {
    body.push(renderSummary(snap, part));
  } else {
    const given = givenByBid(part.mine);
    const scoredBids = part.bids.filter((b) => b.scored).map((b) => b.id);
    if (!scoredBids.includes(kept.bid)) kept.bid = scoredBids[0] ?? null;
    if (part.mine) {
      const scored = [...given.entries()].filter(([bid]) => scoredBids.includes(bid)).reduce((n, [, c]) => n + c, 0);
      body.push(h("p", {}, interpolate(gettext("You have given %(scored)s of the %(needed)s scores you owe."), { scored, needed: part.needed })));
      body.push(bidChooser(snap, part, given));
      if (kept.bid !== null && part.items.length) body.push(itemsTable(snap, part, act, kept.bid));
      body.push(submitBlock(part, act, scored));
    }
    body.push(progressTable(snap, part, act), belowCost(snap, part, act));
    const leader = summarizeBlock(snap, part, act);
    if (leader) body.push(leader);
  }
  root.replaceChildren(...body);
  if (focused && root.contains(focused) && document.activeElement !== focused) focused.focus();
  return root;
}
