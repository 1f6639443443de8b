"""The web app as a person uses it: Debian's Chromium driven by Playwright against ``msp-docs serve``.

Each flow is a user story asserted on what the page says: a new profile from a starter with a
typo, fixed and saved, then built and the policy downloaded; a real contract extended; three
documents checked and the matrix read; a contract checked and sent back with comments and a
letter; a hostile upload refused while the server keeps answering. Keyboard-only use, labels, the error summary's focus and 200% zoom are checked too.
Every page is photographed into docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402
from conftest import FIXTURES, PROFILES, REAL_DOCX, ROOT, require_chromium  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
EVAL = Path(__file__).resolve().parent / "eval" / "documents"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TYPED_NAME = "Harbour & Vale <Homes> \"Zoë's\" 🏠"


def start_server(workspace: Path, *extra: str):
    """``msp-docs serve`` on a free port, as a user starts it; returns (process, address)."""
    command = [sys.executable, "-m", "msp_docs", "serve", "--workspace", str(workspace), "--port", "0", "--no-browser", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline()
    found = re.search(r"running at (http://127\.0\.0\.1:\d+/)", line)
    if not found:
        process.kill()
        raise AssertionError(f"msp-docs serve did not start: {line}{process.stderr.read()}")
    return process, found.group(1).rstrip("/")


def stop_server(process) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:  # pragma: no cover
        process.kill()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "workspace"
    (folder / "profiles").mkdir(parents=True)
    shutil.copy(PROFILES / "kingsmead-st-annes.yaml", folder / "profiles" / "kingsmead-st-annes.yaml")
    shutil.copy(PROFILES / "eastmoor-district-council.yaml", folder / "profiles" / "eastmoor-district-council.yaml")  # a commissioner, for reviews
    return folder


@pytest.fixture(scope="module")
def server(workspace):
    require_chromium()
    process, address = start_server(workspace)
    yield address
    stop_server(process)


@pytest.fixture(scope="module")
def browser():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True, locale="en-GB")
    opened = context.new_page()
    errors: list[str] = []
    # Script errors and CSP refusals; not the status of a page that says there is a problem (422, 401).
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


def shoot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def wait_for_result(page, heading: str, timeout: float = 180_000) -> None:
    page.get_by_role("heading", level=1, name=heading).wait_for(timeout=timeout)


def download(page, click) -> bytes:
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def unlabelled_inputs(page) -> list[str]:
    """Inputs with no accessible label (a <label>, aria-label or aria-labelledby with text)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter(el => el.type !== 'hidden' && !el.closest('[aria-hidden=true]'))
            .filter(el => {
              const labels = Array.from(el.labels || []).map(l => l.textContent.trim()).filter(Boolean);
              const aria = (el.getAttribute('aria-label') || '').trim();
              const by = (el.getAttribute('aria-labelledby') || '').split(' ').map(id => document.getElementById(id)).filter(Boolean).map(n => n.textContent.trim()).join('');
              return !labels.length && !aria && !by;
            })
            .map(el => el.name || el.id)"""
    )


# --------------------------------------------------------------------------- the profile, then build

def test_a_new_profile_with_a_typo_is_fixed_saved_built_and_the_policy_downloaded(page, server, workspace):
    page.goto(server + "/")
    shoot(page, "01-start")
    page.get_by_role("link", name="1. Organisation profile").first.click()
    shoot(page, "02-profile-start")
    page.get_by_label("Kind of organisation").select_option("almo")
    page.get_by_role("button", name="Start from the starter").click()
    assert unlabelled_inputs(page) == []
    page.locator('[name="organisation.name"]').fill(TYPED_NAME)
    page.locator('[name="organisation.slug"]').fill("harbour-vale")
    page.locator('[name="organisation.registration_number"]').fill("04827")
    page.locator('[name="organisation.phone"]').fill("01632 960123")
    page.locator('[name="people.operational_lead.email"]').fill("sam.patel@example")
    page.get_by_role("button", name="Save profile").last.click()

    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')"), "the error summary did not take the focus"
    inline = page.locator('[data-error-for="people.operational_lead.email"]')
    assert "'sam.patel@example' is not an email address" in inline.inner_text()
    field = page.locator('[name="people.operational_lead.email"]')
    assert inline.get_attribute("id") in field.get_attribute("aria-describedby").split()
    assert field.input_value() == "sam.patel@example", "what was typed was lost"
    assert page.locator('[name="organisation.name"]').input_value() == TYPED_NAME
    shoot(page, "03-profile-error", full_page=False)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.name") == "people.operational_lead.email", "the summary link did not move the focus to the field"

    field.fill("sam.patel@example.org")
    page.keyboard.press("Enter")  # Enter saves (it must not press an Add or Remove button)
    page.get_by_role("heading", name="Saved").wait_for()
    shoot(page, "04-profile-saved", full_page=False)
    saved = workspace / "profiles" / "harbour-vale.yaml"
    from msp_docs.profile import load_profile

    profile = load_profile(saved)
    assert profile.name == TYPED_NAME and profile.data["organisation"]["registration_number"] == "04827"
    assert profile.data["organisation"]["phone"] == "01632 960123" and profile.data["organisation"]["kind"] == "almo"

    page.get_by_role("link", name="Build the documents").click()
    assert page.get_by_label("Profile").input_value() == "harbour-vale.yaml"
    shoot(page, "05-build")
    page.get_by_role("button", name="Build the documents").click()
    wait_for_result(page, "Documents built")
    shoot(page, "06-build-result")
    rows = page.locator("tbody tr[data-document]")
    assert rows.count() == 6  # policy, procedure, two contract schedules, self-assessment, leaflet
    assert "All" in page.locator('tr[data-document="policy"]').inner_text()
    data = download(page, lambda: page.get_by_role("link", name="policy.docx", exact=True).click())
    assert TYPED_NAME in docx_text(data)
    archive = download(page, lambda: page.get_by_role("link", name="Download everything (.zip)").click())
    import zipfile

    assert "policy.docx" in zipfile.ZipFile(io.BytesIO(archive)).namelist()


def test_rows_are_added_and_removed_with_the_focus_in_the_new_row(page, server):
    page.goto(server + "/profile/new")
    before = page.locator('input[name$=".job_title"][name^="people.deputies."]').count()
    page.get_by_role("button", name="Add another deputy").click()
    assert page.locator('input[name$=".job_title"][name^="people.deputies."]').count() == before + 1
    assert page.evaluate("document.activeElement.name") == f"people.deputies.{before}.name"
    page.get_by_role("button", name=f"Remove deputy {before + 1}").click()
    assert page.locator('input[name$=".job_title"][name^="people.deputies."]').count() == before


# --------------------------------------------------------------------------- add to a contract

REAL_CONTRACT = REAL_DOCX / "uk-ccs-fm-core-terms.docx"


def test_a_real_contract_is_extended_after_one_of_its_headings(page, server):
    if not REAL_CONTRACT.exists():
        pytest.skip(f"the real Word documents are not here: {REAL_CONTRACT} is absent (it sits beside the repository)")
    page.goto(server + "/contract")
    assert unlabelled_inputs(page) == []
    shoot(page, "07-contract")
    page.get_by_label("The contract (.docx)").set_input_files(str(REAL_CONTRACT))
    choice = next(o for o in page.locator("#service-choice option").all_inner_texts() if o.endswith(": repairs"))
    page.get_by_label("Profile and service").select_option(label=choice)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", level=1, name="Where the schedule goes").wait_for()
    options = page.locator("#after option").all_inner_texts()
    assert options[0] == "At the end of the contract" and len(options) > 3
    heading = options[2]
    page.get_by_label("Insert after the section").select_option(label=heading)
    page.get_by_label("Heading for the schedule").fill("Schedule 9 – Safeguarding & welfare")
    shoot(page, "08-contract-place")
    page.get_by_role("button", name="Add the schedule").click()
    wait_for_result(page, "Schedule added")
    assert f"after the section “{heading}”" in page.locator("[role=status]").inner_text()
    shoot(page, "09-contract-result")
    data = download(page, lambda: page.get_by_role("link", name=re.compile("^Download .* with safeguarding schedule.docx$")).click())
    text = " ".join(docx_text(data).split())  # the contract's headings hold tabs after their numbers
    assert "Schedule 9 – Safeguarding & welfare" in text
    assert text.index(heading) < text.index("Schedule 9 – Safeguarding & welfare") < text.index(options[3])
    assert REAL_CONTRACT.read_bytes() != data


# --------------------------------------------------------------------------- check

def test_three_documents_dropped_on_the_page_are_checked_and_the_matrix_read(page, server):
    names = ["01-harbourside-policy.docx", "07-oakridge-cleaning-spec.md", "06-fernhill-gas-spec.pdf"]
    page.goto(server + "/check")
    assert unlabelled_inputs(page) == []
    shoot(page, "10-check")
    files = [{"name": n, "mime": "application/octet-stream", "data": list((EVAL / n).read_bytes())} for n in names]
    transfer = page.evaluate_handle(
        """(files) => { const dt = new DataTransfer();
            files.forEach(f => dt.items.add(new File([new Uint8Array(f.data)], f.name, {type: f.mime})));
            return dt; }""",
        files,
    )
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": transfer})
    assert "3 chosen" in page.locator("[data-chosen]").inner_text()
    page.get_by_role("button", name="Check the documents").click()
    wait_for_result(page, "Coverage report")
    shoot(page, "11-check-report", full_page=False)
    matrix = page.get_by_role("region", name="Requirements by document")
    headers = matrix.locator("thead th").all_inner_texts()
    assert [h.split("\n")[0] for h in headers[1:4]] == names
    for name in names:
        cells = matrix.locator(f'td[data-document="{name}"]')
        assert cells.count() > 10
        for status in cells.evaluate_all("cells => cells.map(c => [c.dataset.status, c.innerText.trim()])"):
            assert status[0] in ("covered", "partial", "missing")
            assert status[1].split()[1].lower() == status[0], "the status is not said in words"
    policy_cell = matrix.locator('td[data-document="01-harbourside-policy.docx"][data-requirement="making-safeguarding-personal"]')
    assert policy_cell.get_attribute("data-status") in ("covered", "partial")
    quote = page.locator("section.document-report").first.locator("blockquote").first.inner_text()
    assert quote.startswith("“")
    json_report = download(page, lambda: page.get_by_role("link", name="Download JSON").click())
    import json

    assert [d["path"] for d in json.loads(json_report)["documents"]] == names


# --------------------------------------------------------------------------- review

def test_a_checked_contract_is_reviewed_and_the_marked_up_copy_carries_the_comments(page, server):
    import datetime as dt

    from msp_docs.clauses import ukdate

    contract = FIXTURES / "contracts" / "repairs-contract.docx"
    kept = [c.author for c in docx.Document(str(contract)).comments]
    assert kept, "the fixture has comments of its own"
    page.goto(server + "/check")
    page.get_by_label("Documents to check").set_input_files(str(contract))
    page.get_by_role("button", name="Check the documents").click()
    wait_for_result(page, "Coverage report")
    page.get_by_role("link", name="Review repairs-contract.docx").click()
    page.get_by_role("heading", level=1, name="Review a document").wait_for()
    assert unlabelled_inputs(page) == []
    assert "repairs-contract.docx" in page.locator("[data-review-document]").inner_text()
    choice = next(o for o in page.locator("#profile option").all_inner_texts() if o.startswith("Eastmoor District Council"))
    page.get_by_label("Your organisation's profile").select_option(label=choice)
    reply_by = dt.date.today() + dt.timedelta(days=42)
    page.get_by_label("Reply by").fill(reply_by.isoformat())
    provider = "Northgate & Vale <Repairs> Ltd"
    page.get_by_label("Provider's name").fill(provider)
    shoot(page, "14-review")
    page.get_by_role("button", name="Review the document").click()
    wait_for_result(page, "Review ready")
    status = page.get_by_role("status").inner_text()
    assert f"The letter is to {provider} (as you gave the name)" in status and ukdate(reply_by) in status
    assert f"the {len(kept)} comments it had are kept" in status
    shoot(page, "15-review-result", full_page=False)
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(download(page, lambda: page.get_by_role("link", name="Download both (.zip)").click())))
    assert archive.namelist() == ["repairs-contract-reviewed.docx", "repairs-contract-letter.docx"]
    marked_up = docx.Document(io.BytesIO(archive.read("repairs-contract-reviewed.docx")))
    ours = [c for c in marked_up.comments if c.author == "Priya Shah"]
    assert ours and ours[0].text.startswith("Summary of our review") and ours[0].initials == "PS"
    assert any(c.text.startswith("Covers:") for c in ours), "no comment at the evidence"
    assert sorted(c.author for c in marked_up.comments if c.author != "Priya Shah") == sorted(kept), "the contract's own comments are kept"
    letter = download(page, lambda: page.get_by_role("link", name="Download the letter (repairs-contract-letter.docx)").click())
    assert letter == archive.read("repairs-contract-letter.docx")
    assert provider in docx_text(letter) and ukdate(reply_by) in docx_text(letter)


def test_a_hostile_upload_gets_a_readable_message_and_the_server_still_answers(page, server, tmp_path):
    bomb = hostile.honest_zip_bomb(tmp_path, megabytes=200)
    laughs = hostile.billion_laughs(tmp_path)
    script = tmp_path / "notes.txt"
    script.write_text("Adult safeguarding policy. We report abuse of an adult to the safeguarding lead the same day <script>document.title='owned'</script> \"always\".\n" * 3, encoding="utf-8")
    page.goto(server + "/check")
    page.get_by_label("Documents to check").set_input_files([str(bomb), str(laughs), str(script)])
    page.get_by_role("button", name="Check the documents").click()
    wait_for_result(page, "Coverage report")
    refusals = page.locator("[data-refused]")
    assert refusals.count() == 2
    messages = refusals.all_inner_texts()
    assert any("zip bomb" in m or "uncompress" in m or "too large" in m.lower() for m in messages), messages
    assert any("DOCTYPE" in m or "entit" in m for m in messages), messages
    assert "Traceback" not in page.content()
    assert page.title() != "owned" and "<script>document.title" in page.locator("body").inner_text()
    shoot(page, "12-check-refused", full_page=False)
    health = page.request.get(server + "/health")
    assert health.status == 200 and health.text().strip() == "ok"
    page.goto(server + "/check")
    page.get_by_label("Documents to check").set_input_files(str(EVAL / "03-calderbrook-statement.txt"))
    page.get_by_role("button", name="Check the documents").click()
    wait_for_result(page, "Coverage report")


# --------------------------------------------------------------------------- keyboard, zoom, labels

def test_a_check_can_be_done_with_the_keyboard_alone(page, server):
    page.goto(server + "/check")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "files":
            break
    assert page.evaluate("document.activeElement.id") == "files"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")  # the keyboard opens the file dialog; the dialog itself is the system's
    chooser.value.set_files(str(EVAL / "03-calderbrook-statement.txt"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "baseline"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab") if page.evaluate("document.activeElement.type") != "radio" else None
    assert page.evaluate("document.activeElement.type") == "radio"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Check the documents"
    page.keyboard.press("Enter")
    wait_for_result(page, "Coverage report")
    focus_ring = page.evaluate("getComputedStyle(document.querySelector('a')).outlineStyle")
    assert focus_ring is not None


@pytest.mark.parametrize("path, name", [("/", "start"), ("/profile/new", "profile"), ("/build", "build"), ("/contract", "contract"), ("/check", "check"), ("/review", "review")])
def test_every_page_works_at_200_percent_zoom(browser, server, path, name):
    # A 1280 x 900 window at 200% zoom lays pages out in 640 x 450 CSS pixels.
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    zoomed = context.new_page()
    zoomed.goto(server + path)
    overflow = zoomed.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways at 200% zoom ({overflow} px)"
    assert zoomed.get_by_role("navigation", name="Main").is_visible()
    if name in ("profile", "check"):
        zoomed.screenshot(path=str(SCREENSHOTS / f"zoom-200-{name}.png"))
    context.close()


def test_the_login_page_with_a_password(browser, tmp_path):
    password = tmp_path / "password.txt"
    password.write_text("a long shared password\n", encoding="utf-8")
    process, address = start_server(tmp_path / "ws", "--password-file", str(password))
    try:
        context = browser.new_context(viewport={"width": 1100, "height": 700})
        login = context.new_page()
        login.goto(address + "/check")
        assert login.url.startswith(address + "/login")
        assert unlabelled_inputs(login) == []
        login.get_by_label("Password").fill("wrong")
        login.get_by_role("button", name="Sign in").click()
        assert "That password is not right" in login.locator('[data-error-for="password"]').inner_text()
        login.get_by_label("Password").fill("a long shared password")
        login.get_by_role("button", name="Sign in").click()
        login.get_by_role("heading", level=1, name="Check documents").wait_for()
        cookie = next(c for c in context.cookies() if c["name"] == "msp_docs_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        login.get_by_role("button", name="Sign out").click()
        login.get_by_role("heading", level=1, name="Sign in").wait_for()
        shoot(login, "13-sign-in")
        context.close()
    finally:
        stop_server(process)
