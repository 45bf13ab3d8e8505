// On every page (base.html): forms whose action cannot be undone ask once before they are sent
// (../confirm.js).
import { confirmForms } from "../confirm.js";

confirmForms(document);
