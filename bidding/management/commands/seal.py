"""`manage.py seal`: seal a bid offline as standard age files, to the tender's recipients.

Seal a bid offline: the opening form and each bid file as standard age files, always to the
tender's opening recipient (the custodians' key) and, where the tender asks, to the bidder's own
recipient as well; never to the bidder's alone. A bid that neither can open counts as revoked
by the bidder and loses its bid security. Each file written is checked to carry one stanza per
recipient.

    python manage.py seal --tender GXNN-2026-001 --lot 1 --opening-form form.json bid.pdf … --out sealed/
    python manage.py seal --params sealing.json --recipient age1… --opening-form form.json bid.pdf … --out sealed/

With --tender/--lot it reads the parameters from this installation; with --params, from the
file the bid page offers (for a bidder without the platform's database). The output decrypts
with Debian's `age -d -i key.txt` as well as at the opening.

Beside the sealed files it writes manifest.json, whose "files" (kind, name, size, sha256 of each
sealed file) is the version's manifest the bid page declares when the upload starts: the
server then refuses a sealed file that arrives cut short or changed."""

import hashlib
import json
from pathlib import Path

import pyrage
from django.core.management.base import BaseCommand, CommandError

from bidding.opening_form import check_form

FORM_NAME = "opening-form.json.age"


class Command(BaseCommand):
    help = "Seal a bid (opening form + bid files) as age files, offline."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="the bid files to seal")
        parser.add_argument("--tender", help="project code (reads the parameters from this installation)")
        parser.add_argument("--lot", type=int, help="lot number")
        parser.add_argument("--params", help="the sealing parameters file downloaded from the bid page")
        parser.add_argument("--recipient", help="your own age recipient for this tender (age1…)")
        parser.add_argument("--bidder", help="your unified social credit code (to read your registered recipient)")
        parser.add_argument("--opening-form", required=True, help="JSON object of the declared items")
        parser.add_argument("--out", required=True, help="folder for the sealed files")

    def handle(self, *args, files, tender=None, lot=None, params=None, recipient=None, bidder=None,
               opening_form, out, **options):
        parameters = self._parameters(tender, lot, params, bidder, recipient)
        recipients = [parameters["opening_recipient"]]
        if parameters["bidders_decrypt"]:
            own = recipient or parameters.get("bidder_recipient")
            if not own:
                raise CommandError("this tender asks that bidders decrypt: give --recipient age1… (your key for this tender)")
            if own == parameters["opening_recipient"]:
                raise CommandError("--recipient is the tender's opening recipient: give your own key for this tender")
            registered = parameters.get("bidder_recipient")
            if registered and own != registered:
                raise CommandError(f"--recipient is not the key you registered for this tender ({registered})")
            recipients.append(own)
        try:
            parsed = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
        except Exception as err:  # pyrage's own error types for malformed keys
            raise CommandError(f"bad recipient: {err}") from err
        try:
            form = json.loads(Path(opening_form).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CommandError(f"cannot read the opening form {opening_form}: {err}") from err
        problems = check_form(form, parameters["declared_items"])
        if problems:
            raise CommandError("the opening form does not fit the tender's declared items:\n  " + "\n  ".join(problems))
        sources = [Path(f) for f in files]
        for source in sources:
            if not source.is_file():
                raise CommandError(f"{source} is not a file")
            if source.stat().st_size > parameters["max_file_bytes"]:
                raise CommandError(f"{source} is larger than the tender allows ({parameters['max_file_bytes']} bytes)")
        if len(sources) > parameters["max_files"]:
            raise CommandError(f"at most {parameters['max_files']} bid files")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = []
        form_path = folder / FORM_NAME
        form_path.write_bytes(pyrage.encrypt(json.dumps(form, ensure_ascii=False).encode("utf-8"), parsed))
        manifest.append(self._entry("form", form_path))
        for source in sources:
            target = folder / f"{source.name}.age"
            pyrage.encrypt_file(str(source), str(target), parsed)  # streams from file to file
            manifest.append(self._entry("file", target))
        for entry in manifest:
            self._check_stanzas(folder / entry["name"], len(recipients))
        (folder / "manifest.json").write_text(json.dumps({
            "project": parameters["project"], "lot": parameters["lot"], "recipients": recipients, "files": manifest,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        for entry in manifest:
            self.stdout.write(f"{entry['kind']:4} {entry['name']}  {entry['size']} bytes  sha256 {entry['sha256']}")
        self.stdout.write(f"upload these files together with {folder / 'manifest.json'}: it declares their SHA-256")
        self.stdout.write("equivalent: age " + " ".join(f"-r {r}" for r in recipients) + " -o FILE.age FILE")

    @staticmethod
    def _check_stanzas(path: Path, count: int) -> None:
        """The file's header has one X25519 stanza per recipient (rage adds a grease stanza, which
        no identity opens)."""
        from bidding.agefile import parse_header

        with path.open("rb") as fh:
            types = [stanza.type for stanza in parse_header(fh, name=path.name).stanzas]
        if types.count("X25519") != count:
            path.unlink()
            raise CommandError(f"{path.name}: sealed to {types}, not to the {count} recipients asked")

    @staticmethod
    def _entry(kind, path: Path) -> dict:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(block)
        return {"kind": kind, "name": path.name, "size": path.stat().st_size, "sha256": digest.hexdigest()}

    def _parameters(self, tender, lot, params, bidder, recipient) -> dict:
        if params:
            try:
                data = json.loads(Path(params).read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise CommandError(f"cannot read {params}: {err}") from err
            if not data.get("opening_recipient"):
                raise CommandError("the tender's key ceremony was not done when these parameters were downloaded")
            return data
        if not (tender and lot):
            raise CommandError("give --tender and --lot, or --params")
        from bidding.models import BidderKey, KeyCeremony
        from bidding.services import sealing_rules
        from trading.models import Lot

        lot_row = Lot.objects.select_related("project").filter(project__code=tender, number=lot).first()
        if lot_row is None:
            raise CommandError(f"no lot {lot} in tender {tender}")
        ceremony = KeyCeremony.objects.filter(project=lot_row.project).first()
        if ceremony is None or not ceremony.complete:
            raise CommandError("the tender's key ceremony is not done yet: bids cannot be sealed")
        rules = sealing_rules(lot_row.project)
        own = None
        if bidder:
            key = BidderKey.objects.filter(project=lot_row.project, organization__uscc=bidder.upper()).first()
            own = key.recipient if key else None
        return {
            "project": tender, "lot": lot, "opening_recipient": ceremony.opening_recipient,
            "bidders_decrypt": rules.bidders_decrypt, "max_file_bytes": rules.max_file_bytes, "max_files": rules.max_files,
            "declared_items": rules.declared_items, "bidder_recipient": own,
        }
