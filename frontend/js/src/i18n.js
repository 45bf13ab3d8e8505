// The words the browser shows, in the page's language: Django's JavaScript catalog
// (/jsi18n/, loaded by base.html before any bundle) defines the global gettext, ngettext and
// interpolate; makemessages -d djangojs finds the msgids in gettext("…") calls here and in the
// pages. Without the catalog (node's tests) a msgid reads as itself, in English.
//
// Write every string a person reads as gettext("English text"), with %(name)s for the parts
// that vary: interpolate(gettext("Uploaded %(done)s of %(total)s"), { done, total }).

export function gettext(msgid) {
  return typeof globalThis.gettext === "function" ? globalThis.gettext(msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  if (typeof globalThis.ngettext === "function") return globalThis.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Fills %(name)s from `values` (named) or %s in order (an array). */
export function interpolate(format, values) {
  if (Array.isArray(values)) {
    let i = 0;
    return format.replace(/%s/g, () => String(values[i++]));
  }
  return format.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
}
