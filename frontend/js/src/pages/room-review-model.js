// What the review panel shows, read from the room's snapshot (pure: no DOM, tested in node).
// The server decides what each viewer may see (evaluation/room/review.py snapshot_part): a
// member's own verdicts, everyone's counts, and every verdict only once the review is concluded.
// This file only arranges it; the server checks every command again.

const ANSWERING = new Set(["reviewing", "scoring"]);

/** The panel's model, or null when the room has no review to show (gathering, or no part). */
export function reviewModel(snap) {
  const part = snap?.review;
  if (!part || !Array.isArray(part.progress) || !snap.state || snap.state === "gathering") return null;
  const you = snap.you ?? {};
  const member = you.role === "member" && part.mine !== null && part.mine !== undefined;
  const names = new Map((snap.members ?? []).map((m) => [m.id, m.name]));
  const bids = [...(snap.bids ?? [])].sort((a, b) => a.order - b.order);
  const bidById = new Map(bids.map((b) => [b.id, b]));
  const checks = snap.table?.checks ?? [];
  const checkById = new Map(checks.map((c) => [c.id, c]));
  const paused = Boolean(snap.paused);
  const reviewing = snap.state === "reviewing";
  const mine = new Map((part.mine?.verdicts ?? []).map((v) => [`${v.bid}:${v.check}`, v]));
  const recorded = mine.size;
  const submittedMine = Boolean(part.mine?.submitted);
  const leader = Boolean(you.leader) && member;
  const now = Date.parse(snap.server_time ?? "");

  const model = {
    member, leader, paused, reviewing,
    concluded: Boolean(part.concluded),
    bids, checks,
    filesUrl: part.files_url ?? null,
    toRecord: part.to_record ?? bids.length * checks.length,
    recorded,
    submitted: part.submitted ?? 0,
    seated: part.seated ?? 0,
    mineSubmitted: submittedMine,
    canRecord: member && reviewing && !paused && !submittedMine,
    verdict: (bidId, checkId) => mine.get(`${bidId}:${checkId}`) ?? null,
    progress: part.progress.map((p) => ({ member: p.member, name: names.get(p.member) ?? String(p.member),
      recorded: p.recorded, submitted: p.submitted, you: p.member === you.member_id })),
    returnable: leader && reviewing && !paused && !part.concluded
      ? part.progress.filter((p) => p.submitted).map((p) => ({ member: p.member, name: names.get(p.member) ?? String(p.member) }))
      : [],
    mayStartScoring: leader && reviewing && !paused && Boolean(part.concluded) && (part.conclusion?.responsive ?? 0) > 0,
    noResponsive: part.no_responsive || "",
    conclusion: part.conclusion ? conclusionRows(part.conclusion, bidById, checkById, names) : null,
    questions: (part.questions ?? []).map((q) => ({
      ...q,
      bidder: bidById.get(q.bid)?.bidder ?? "",
      askedByName: names.get(q.asked_by) ?? "",
      status: q.answered_at ? "answered" : (!Number.isNaN(now) && now > Date.parse(q.answer_due) ? "overdue" : "open"),
    })),
    mayAsk: member && ANSWERING.has(snap.state) && !paused,
    hours: part.question_hours ?? { default: 24, max: 72 },
  };
  model.missing = Math.max(0, model.toRecord - recorded);
  model.maySubmit = model.canRecord && model.missing === 0;
  return model;
}

/** The conclusion as the table shows it: per bid its outcome, each check it fails with the
 * count and every failing member's reason, and every member's verdict for the details. */
export function conclusionRows(conclusion, bidById, checkById, names) {
  const verdicts = new Map();
  for (const v of conclusion.verdicts ?? []) {
    const key = `${v.bid}:${v.check}`;
    if (!verdicts.has(key)) verdicts.set(key, []);
    verdicts.get(key).push({ ...v, name: names.get(v.member) ?? String(v.member) });
  }
  return {
    responsive: conclusion.responsive,
    members: conclusion.members,
    bids: (conclusion.bids ?? []).map((b) => ({
      bid: b.bid,
      order: bidById.get(b.bid)?.order ?? "",
      bidder: bidById.get(b.bid)?.bidder ?? String(b.bid),
      responsive: b.responsive,
      checks: b.checks.map((c) => ({
        check: c.check,
        name: checkById.get(c.check)?.name ?? String(c.check),
        kind: checkById.get(c.check)?.kind ?? "",
        failed: c.failed, fails: c.fails, passes: c.passes,
        reasons: c.reasons.map((r) => ({ name: names.get(r.member) ?? String(r.member), reason: r.reason })),
        verdicts: verdicts.get(`${b.bid}:${c.check}`) ?? [],
      })),
    })),
  };
}
