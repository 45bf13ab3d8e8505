// What the bid page says when the last byte is in: the version, the time of receipt in Beijing
// time (the receipt itself keeps the exact UTC instant it was signed with), and the receipt number.
import { beijingTime } from "../formats.js";
import { gettext, interpolate } from "../i18n.js";

export function submittedText(receipt) {
  return interpolate(gettext("Submitted: version %(version)s, received %(time)s, receipt number %(id)s."), {
    version: receipt.version, time: beijingTime(receipt.server_time, { precision: "ms", zone: true }), id: receipt.receipt_id,
  });
}
