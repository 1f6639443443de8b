"""The web application over HTTP (Flask's test client): every page, the five jobs, and the refusals
(CSRF, upload limits, login, host names, hostile files) a browser test would be slow to cover."""

from __future__ import annotations

import io
import re
import shutil
import socket
import sys
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from msp_docs import yamlfile
from msp_docs.cli import cli
from msp_docs.profile import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile  # noqa: E402
from conftest import PROFILES  # noqa: E402

HERE = Path(__file__).resolve().parent
CONTRACT = HERE / "fixtures" / "contracts" / "repairs-contract.docx"
STARTER = HERE / "fixtures" / "profiles" / "valid-starter.yaml"
EXAMPLE = PROFILES / "kingsmead-st-annes.yaml"
COMMISSIONER = PROFILES / "eastmoor-district-council.yaml"
EVAL = HERE / "eval" / "documents"
PAGES = ["/", "/profile", "/profile/new", "/profile/new?kind=contractor", "/build", "/contract", "/check", "/review", "/login"]


@pytest.fixture
def workspace(tmp_path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def app(workspace):
    from msp_docs.web import create_app

    return create_app(workspace, TESTING=False)


@pytest.fixture
def client(app):
    return app.test_client()


def token(client, path: str = "/check") -> str:
    """The CSRF token on a page (every form carries the session's token)."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def wait_for(client, location: str, timeout: float = 120) -> str:
    """Follow a job's page until it is no longer in progress; return the finished page."""
    status = location.rstrip("/") + "/status"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(status).get_json()["state"]
        if state != "running":
            return client.get(location).get_data(as_text=True)
        time.sleep(0.1)
    raise AssertionError(f"{location} still running after {timeout} s")


def check(client, files: list[tuple[str, bytes]], **form) -> str:
    """Upload files to /check and return the finished report page."""
    data = {"csrf_token": token(client), "baseline": "auto", "edition": "2017", **form}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    response = client.post("/check", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return wait_for(client, response.headers["Location"])


def form_values(path: Path) -> dict:
    """What the profile form sends for the profile in ``path``."""
    sys.path.insert(0, str(HERE))
    from test_profile import _form_values

    from msp_docs.profile import form_fields

    return _form_values(form_fields(), yamlfile.load(path).data)


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


# --------------------------------------------------------------------------- every page

@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_with_the_security_headers_and_no_inline_script(client, path):
    assert_safe_page(client.get(path))


def assert_safe_page(response) -> None:
    """Served with the security headers, and nothing on the page the CSP would refuse or that leaves the computer."""
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = response.get_data(as_text=True)
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", page)), "an inline script"
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler"
    assert not re.search(r"\sstyle=", page), "an inline style (the CSP refuses it)"
    assert "https://" not in re.sub(r'(value|placeholder)="[^"]*"|>[^<]*<', "", page), "an external asset"


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == "ok"


@pytest.mark.parametrize("path", PAGES)
def test_every_input_has_a_label(client, path):
    assert_labelled(client.get(path).get_data(as_text=True))


def assert_labelled(page: str) -> None:
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', page))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if 'type="hidden"' in tag:
            continue
        found = re.search(r'\sid="([^"]+)"', tag)
        assert found and found.group(1) in labelled, f"no label for {tag}"


def test_headings_go_down_one_level_at_a_time(client):
    for path in PAGES:
        assert_headings_in_order(client.get(path).get_data(as_text=True), path)


def assert_headings_in_order(page: str, path: str) -> None:
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1 and levels.count(1) == 1, path
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{path}: h{before} followed by h{after}"


# --------------------------------------------------------------------------- CSRF, login, host names

@pytest.mark.parametrize("path", ["/check", "/profile/save", "/profile/upload", "/build", "/contract", "/contract/extend", "/review", "/review/check/a-job/0", "/login"])
def test_a_post_without_the_csrf_token_is_refused(client, path):
    client.get("/check")  # a session exists, so only the token is missing
    assert client.post(path, data={}).status_code == 400
    response = client.post(path, data={"csrf_token": "not-the-token"})
    assert response.status_code == 400
    assert "did not come from msp-docs" in response.get_data(as_text=True)


def test_a_token_from_another_session_is_refused(app):
    first, second = app.test_client(), app.test_client()
    stolen = token(first)
    second.get("/check")
    assert second.post("/check", data={"csrf_token": stolen}).status_code == 400


def test_with_a_password_every_page_but_health_needs_a_login(workspace):
    from msp_docs.web import create_app

    client = create_app(workspace, PASSWORD="correct horse battery").test_client()
    assert client.get("/health").status_code == 200
    for path in ["/", "/profile", "/check", "/build", "/contract", "/profile/new"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    login_token = token(client, "/login")
    assert client.post("/check", data={"csrf_token": login_token}).status_code == 403
    wrong = client.post("/login", data={"csrf_token": login_token, "password": "wrong", "next": "/check"})
    assert wrong.status_code == 401 and "That password is not right" in wrong.get_data(as_text=True)
    right = client.post("/login", data={"csrf_token": login_token, "password": "correct horse battery", "next": "/check"})
    assert right.status_code == 303 and right.headers["Location"].endswith("/check")
    cookie = right.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/check").status_code == 200
    client.post("/logout", data={"csrf_token": token(client)})
    assert client.get("/check").status_code == 302


def test_login_never_sends_you_to_another_site(workspace):
    from msp_docs.web import create_app

    client = create_app(workspace, PASSWORD="correct horse battery").test_client()
    for target in ["//evil.example/", "https://evil.example/", "/\\evil.example"]:
        response = client.post("/login", data={"csrf_token": token(client, "/login"), "password": "correct horse battery", "next": target})
        assert response.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": token(client, "/check")})


def test_on_this_computer_only_its_own_host_names_are_answered(client):
    assert client.get("/check", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/check", headers={"Host": "[::1]:8765"}).status_code == 200
    response = client.get("/check", headers={"Host": "attacker.example:8765"})
    assert response.status_code == 400 and "answers only at" in response.get_data(as_text=True)


def _serve(*args) -> object:
    return CliRunner().invoke(cli, ["serve", "--no-browser", *map(str, args)])


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.org"])
def test_serve_refuses_the_network_without_a_password(host, tmp_path):
    result = _serve("--host", host, "--workspace", tmp_path / "ws")
    assert result.exit_code == 2
    assert f"--host {host} would let other computers on the network reach msp-docs" in result.stderr
    assert "--password-file" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_a_short_or_missing_password_file(tmp_path):
    short = tmp_path / "password.txt"
    short.write_text("abc\n")
    result = _serve("--host", "0.0.0.0", "--password-file", short, "--workspace", tmp_path / "ws")
    assert result.exit_code == 2 and "at least 8 characters" in result.stderr
    result = _serve("--password-file", tmp_path / "nowhere.txt", "--workspace", tmp_path / "ws")
    assert result.exit_code == 2 and "no such password file" in result.stderr


def test_serve_says_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve("--port", port, "--workspace", tmp_path / "ws")
    assert result.exit_code == 2 and f"--port {port}: another program is already using this port" in result.stderr


def test_help_stays_instant_and_imports_no_flask():
    import subprocess

    code = "import sys; from msp_docs.cli import main; sys.argv=['msp-docs','--help']\ntry: main()\nexcept SystemExit: pass\nprint(sorted(m for m in sys.modules if m.split('.')[0] in ('flask','waitress','docx','werkzeug')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "serve" in out and out.strip().endswith("[]")


# --------------------------------------------------------------------------- uploads

def test_too_many_files_get_a_readable_message(workspace):
    from msp_docs.web import create_app

    client = create_app(workspace, MAX_FILES=2).test_client()
    data = {"csrf_token": token(client), "files": [(io.BytesIO(b"text"), f"{i}.txt") for i in range(3)]}
    response = client.post("/check", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "You chose 3 files; you can send at most 2 at once" in response.get_data(as_text=True)


def test_a_file_over_the_limit_gets_a_readable_message_and_leaves_nothing(workspace, tmp_path, monkeypatch):
    import tempfile

    from msp_docs.web import create_app

    uploads = tmp_path / "tmp"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    client = create_app(workspace, MAX_FILE_BYTES=10_000, MAX_FILES=3).test_client()
    data = {"csrf_token": token(client), "files": [(io.BytesIO(b"a" * 20_000), "big <policy>.txt")]}
    response = client.post("/check", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "big &lt;policy&gt;.txt is larger than" in page
    data = {"csrf_token": token(client), "files": [(io.BytesIO(b"a" * 400_000), f"{i}.txt") for i in range(3)]}
    response = client.post("/check", data=data, content_type="multipart/form-data")  # more than the whole request may hold
    assert response.status_code == 413 and "What you sent is too large" in response.get_data(as_text=True)
    assert client.get("/health").status_code == 200
    assert not [p for p in uploads.iterdir() if p.name.startswith("msp-docs-upload-")]


def test_uploads_are_removed_once_checked_and_names_are_never_paths(client, tmp_path, monkeypatch):
    import tempfile

    uploads = tmp_path / "tmp"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    page = check(client, [("../../etc/evil.txt", b"Safeguarding adults policy. " * 20), ("/home/me/Documents/policy.md", b"# Policy\n\nWe keep adults safe. " * 10)])
    assert 'data-document="evil.txt"' in page and 'data-document="policy.md"' in page
    assert "upload-" not in page, "a made-up upload name reached the page"
    assert not list(uploads.iterdir()), "the uploads were not removed"
    assert not (tmp_path / "etc").exists()


def test_no_file_chosen_says_so(client):
    response = client.post("/check", data={"csrf_token": token(client)}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose one or more documents to check" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- check

SCRIPT_POLICY = (
    "Adult safeguarding policy\n\n"
    "Everyone who works for us must report a concern about abuse or neglect of an adult to the safeguarding lead on the same day "
    "<script>alert(\"x\")</script> and record it, \"quoting\" the adult's own words.\n\n"
    "Making Safeguarding Personal means we ask the adult what outcomes they want and respect their wishes.\n"
)


def test_evidence_quotes_from_documents_are_escaped(client):
    page = check(client, [('<img src=x onerror="alert(1)">.txt', SCRIPT_POLICY.encode())])
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page


def test_the_report_has_the_stable_hooks_and_says_status_in_words(client):
    documents = HERE / "eval" / "documents"
    files = [(name, (documents / name).read_bytes()) for name in ("01-harbourside-policy.docx", "03-calderbrook-statement.txt", "06-fernhill-gas-spec.pdf")]
    assert len(files) == 3
    page = check(client, files)
    cells = re.findall(r'<td class="status[^"]*" data-requirement="([^"]+)" data-status="([^"]+)" data-document="([^"]+)">\s*<span class="tag tag-\2"><span aria-hidden="true">(.)</span> (\w+)</span>', page)
    assert cells, "no status cells"
    assert {c[2] for c in cells} == {name for name, _ in files}
    for _rid, status, _doc, symbol, word in cells:
        assert status in ("covered", "partial", "missing") and word.lower() == status
        assert symbol == {"covered": "✔", "partial": "◐", "missing": "✘"}[status]
    assert "Requirements by document" in page  # the matrix, for several documents
    # The gas specification's doubtful verdicts are listed first and flagged in the table.
    assert "Worth a human look first" in page and "% sure" in page
    assert 'data-review="true"' in page


def test_report_downloads_match_the_command_line_formats(client, tmp_path):
    import json

    page = check(client, [("policy.txt", SCRIPT_POLICY.encode())])
    json_link, csv_link, docx_link = (re.search(rf'href="([^"]+coverage\.{fmt})"', page).group(1) for fmt in ("json", "csv", "docx"))
    data = json.loads(client.get(json_link).get_data())
    assert data["tool"]["name"] == "msp-docs" and data["documents"][0]["path"] == "policy.txt"
    (tmp_path / "policy.txt").write_text(SCRIPT_POLICY, encoding="utf-8")
    cli_json = json.loads(CliRunner().invoke(cli, ["check", str(tmp_path / "policy.txt"), "--format", "json"]).stdout)
    assert [r["status"] for r in data["documents"][0]["requirements"]] == [r["status"] for r in cli_json["documents"][0]["requirements"]]
    assert client.get(csv_link).get_data(as_text=True).startswith("requirement,kind,title,policy.txt")
    response = client.get(docx_link)
    assert "attachment" in response.headers["Content-Disposition"]
    assert "Adult safeguarding coverage report" in text_of(response.get_data())


def test_another_session_cannot_see_a_report(app):
    owner, other = app.test_client(), app.test_client()
    page = check(owner, [("policy.txt", SCRIPT_POLICY.encode())])
    link = re.search(r'href="(/check/[^/"]+)/coverage\.json"', page).group(1)
    assert other.get(link).status_code == 404
    assert other.get(link + "/coverage.json").status_code == 404


HOSTILE = {
    "zip bomb": (lambda d: hostile.honest_zip_bomb(d, megabytes=200), "policy.docx"),
    "billion laughs": (lambda d: hostile.billion_laughs(d), "laughs.docx"),
    "external entity": (lambda d: hostile.external_entity(d, "file:///etc/passwd", "entity.docx"), "entity.docx"),
    "macro-enabled": (lambda d: hostile.docm(d), "contract.docm"),  # add-clauses refuses it; check reads its text and runs nothing
    "password-protected": (lambda d: hostile.encrypted_office(d), "locked.docx"),
    "random bytes": (lambda d: hostile.random_bytes(d), "random.docx"),
    "truncated zip": (lambda d: hostile.truncated_zip(d), "broken.docx"),
    "member outside the package": (lambda d: hostile.hostile_member_name(d, "../evil.xml", "escape.docx"), "escape.docx"),
}


@pytest.mark.parametrize("kind", sorted(set(HOSTILE) - {"macro-enabled"}))
def test_hostile_documents_get_the_refusal_on_the_page_and_the_server_keeps_serving(client, tmp_path, kind):
    make, name = HOSTILE[kind]
    path = make(tmp_path)
    expected = CliRunner().invoke(cli, ["check", str(path)])
    assert expected.exit_code == 2, expected.output
    page = check(client, [(name, path.read_bytes()), ("fine.txt", SCRIPT_POLICY.encode())])
    refusal = re.search(r'<div class="notice notice-error" role="alert" data-refused="([^"]+)">\s*<h2>[^<]*</h2>\s*<p>([^<]*)</p>', page)
    assert refusal and refusal.group(1) == name, page[:3000]
    cli_message = expected.stderr.split("error: ", 1)[1].strip().replace(str(path), name).replace(path.name, name)
    import html

    assert html.unescape(refusal.group(2)) == cli_message
    assert "Traceback" not in page and 'data-document="fine.txt"' in page
    assert client.get("/health").status_code == 200


# --------------------------------------------------------------------------- profile

def save_profile(client, values: dict, **extra):
    data = {"csrf_token": token(client, "/profile/new"), "target": "", **values, **extra}
    return client.post("/profile/save", data=data)


TYPED = {
    "organisation.name": "Harbour & Vale <Homes> \"Zoë's\" 🏠",
    "organisation.legal_name": "Harbour & Vale Homes Limited",
    "organisation.registration_number": "04827",
    "organisation.phone": "01632 960123",
    "organisation.address": "1 Quay Street\r\nPortwell\r\nPW1 2AB",
    "people.operational_lead.name": "Siân O'Brien-Łukasz",
}


def test_a_saved_profile_keeps_every_character_and_validate_accepts_it(client, workspace):
    values = form_values(STARTER)
    values.update(TYPED)
    response = save_profile(client, values)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    saved = workspace / "profiles" / "harbour-and-vale-homes-zoes.yaml"
    assert response.headers["Location"].endswith("/profile/edit/harbour-and-vale-homes-zoes.yaml?saved=1")
    result = CliRunner().invoke(cli, ["validate", str(saved)])
    assert result.exit_code == 0, result.output
    profile = load_profile(saved)
    assert profile.data["organisation"]["name"] == TYPED["organisation.name"]
    assert profile.data["organisation"]["registration_number"] == "04827"
    assert profile.data["organisation"]["phone"] == "01632 960123"
    assert profile.data["organisation"]["address"] == "1 Quay Street\nPortwell\nPW1 2AB"
    assert profile.data["people"]["operational_lead"]["name"] == "Siân O'Brien-Łukasz"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved" in page and 'value="Harbour &amp; Vale &lt;Homes&gt; &#34;Zoë&#39;s&#34; 🏠"' in page
    download = client.get("/profile/download/harbour-and-vale-homes-zoes.yaml")
    assert download.get_data() == saved.read_bytes()


def test_a_mistake_is_shown_in_the_summary_and_beside_its_field(client, workspace):
    values = form_values(STARTER)
    values["people.operational_lead.email"] = "sam@example"
    values["areas.0.local_authority"] = ""
    response = save_profile(client, values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert not list((workspace / "profiles").iterdir()), "an invalid profile was saved"
    message = "&#39;sam@example&#39; is not an email address; write it like name@example.org.uk"
    assert f'<a href="#f-people-operational_lead-email"><span class="summary-label">People › Operational lead › Email:</span> {message}</a>' in page
    assert re.search(rf'<p class="error-message" id="e-people-operational_lead-email" data-error-for="people.operational_lead.email"><span class="visually-hidden">Error:</span> {re.escape(message)}</p>', page)
    field = re.search(r'<input[^>]*id="f-people-operational_lead-email"[^>]*>', page).group(0)
    assert 'aria-describedby="h-people-operational_lead-email e-people-operational_lead-email"' in field and 'aria-invalid="true"' in field
    assert 'data-error-for="areas.0.local_authority"' in page
    assert page.count('value="sam@example"') == 1, "the typed value is not kept in the form"


def test_the_messages_are_the_ones_validate_prints(client, tmp_path):
    values = form_values(STARTER)
    values["people.operational_lead.email"] = "sam@"
    values["workforce.refresher_interval_months"] = "two"
    page = save_profile(client, values).get_data(as_text=True)
    bad = tmp_path / "bad.yaml"
    text = STARTER.read_text().replace("safeguarding@example.org", "sam@").replace("refresher_interval_months: 24", "refresher_interval_months: two")
    bad.write_text(text)
    import html

    cli_messages = [line.split(": ", 3)[-1] for line in CliRunner().invoke(cli, ["validate", str(bad)]).stderr.splitlines() if line.startswith("  ")]
    shown = [html.unescape(m) for m in re.findall(r'data-error-for="[^"]+"><span class="visually-hidden">Error:</span> ([^<]+)</p>', page)]
    assert sorted(shown) == sorted(cli_messages) and len(shown) == 2


def test_rows_are_added_and_removed(client):
    values = form_values(STARTER)
    page = save_profile(client, values, action="add:people.deputies").get_data(as_text=True)
    assert 'name="people.deputies.1.name"' in page and 'data-focus="f-people-deputies-1"' in page
    assert "Remove deputy 2" in page
    values["people.deputies.1.name"] = "Second Deputy"
    page = save_profile(client, values, action="remove:people.deputies.0").get_data(as_text=True)
    assert 'name="people.deputies.1.name"' not in page and 'value="Second Deputy"' in page
    assert save_profile(client, values, action="remove:people.deputies").status_code == 400


def test_saving_a_new_profile_never_replaces_one_without_asking(client, workspace):
    values = form_values(STARTER)
    assert save_profile(client, values).status_code == 303
    again = save_profile(client, values)
    assert again.status_code == 422 and "There is already a profile called example-housing.yaml" in again.get_data(as_text=True)
    assert save_profile(client, values, replace="1").status_code == 303


def test_editing_a_workspace_profile_saves_it_in_place(client, workspace):
    (workspace / "profiles").mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE, workspace / "profiles" / "kingsmead.yaml")
    page = client.get("/profile/edit/kingsmead.yaml").get_data(as_text=True)
    assert "Kingsmead" in page and "There is a problem" not in page
    values = form_values(EXAMPLE)
    values["governance.policy_version"] = "4.0"
    response = client.post("/profile/save", data={"csrf_token": token(client), "target": "kingsmead.yaml", **values})
    assert response.status_code == 303
    assert load_profile(workspace / "profiles" / "kingsmead.yaml").data["governance"]["policy_version"] == "4.0"
    assert client.get("/profile/edit/../../etc/passwd").status_code == 404
    assert client.get("/profile/edit/nothere.yaml").status_code == 404


def test_an_uploaded_profile_opens_in_the_form_with_its_problems(client, profile_fixture):
    data = {"csrf_token": token(client, "/profile"), "profile": (io.BytesIO(profile_fixture("lead-email-invalid.yaml").read_bytes()), "our profile.yaml")}
    page = client.post("/profile/upload", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "Read from our profile.yaml" in page and 'data-error-for="people.operational_lead.email"' in page
    data = {"csrf_token": token(client, "/profile"), "profile": (io.BytesIO(b"organisation: [unclosed\n"), "broken.yaml")}
    response = client.post("/profile/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "broken.yaml:2: is not valid YAML" in response.get_data(as_text=True)
    data = {"csrf_token": token(client, "/profile"), "profile": (io.BytesIO(profile_fixture("alias-bomb.yaml").read_bytes()), "bomb.yaml")}
    response = client.post("/profile/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "alias bomb" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- build

def _with_example(workspace) -> None:
    (workspace / "profiles").mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE, workspace / "profiles" / "kingsmead.yaml")


def test_build_writes_into_the_workspace_and_offers_each_file_and_a_zip(client, workspace):
    _with_example(workspace)
    page = client.get("/build?profile=kingsmead.yaml").get_data(as_text=True)
    assert 'value="policy"' in page and 'value="contract-repairs"' in page
    response = client.post("/build", data={"csrf_token": token(client), "profile": "kingsmead.yaml", "documents": ["policy", "leaflet"]})
    assert response.status_code == 303
    page = wait_for(client, response.headers["Location"])
    slug = load_profile(EXAMPLE).slug
    assert sorted(p.name for p in (workspace / "output" / slug).iterdir()) == ["leaflet.docx", "policy.docx"]
    assert re.search(r"All \d+ covered", page)
    link = re.search(r'href="([^"]+/file/policy\.docx)"', page).group(1)
    policy = client.get(link)
    assert load_profile(EXAMPLE).name in text_of(policy.get_data())
    archive = zipfile.ZipFile(io.BytesIO(client.get(re.search(r'href="([^"]+documents\.zip)"', page).group(1)).get_data()))
    assert sorted(archive.namelist()) == ["leaflet.docx", "policy.docx"]
    again = client.post("/build", data={"csrf_token": token(client), "profile": "kingsmead.yaml", "documents": ["policy"]})
    assert again.status_code == 422 and "Tick “Replace documents built before”" in again.get_data(as_text=True)
    replaced = client.post("/build", data={"csrf_token": token(client), "profile": "kingsmead.yaml", "documents": ["policy"], "replace": "1"})
    assert replaced.status_code == 303
    assert client.get(link.replace("policy.docx", "..%2F..%2Fkingsmead.yaml")).status_code == 404


def test_build_refuses_what_it_cannot_do_with_a_message(client, workspace):
    _with_example(workspace)
    assert "Choose a profile" in client.post("/build", data={"csrf_token": token(client), "profile": "nope.yaml"}).get_data(as_text=True)
    page = client.post("/build", data={"csrf_token": token(client), "profile": "kingsmead.yaml"}).get_data(as_text=True)
    assert "Choose at least one document" in page
    page = client.post("/build", data={"csrf_token": token(client), "profile": "kingsmead.yaml", "documents": ["poilcy"]}).get_data(as_text=True)
    assert "did you mean &#39;policy&#39;" in page


# --------------------------------------------------------------------------- add to a contract

def test_a_contract_gets_the_schedule_after_a_heading_it_offers(client, workspace):
    _with_example(workspace)
    data = {"csrf_token": token(client, "/contract"), "service_choice": "kingsmead.yaml|repairs", "contract": (io.BytesIO(CONTRACT.read_bytes()), "Repairs contract 2026.docx")}
    page = client.post("/contract", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert '<option value="Termination">Termination</option>' in page
    token_value = re.search(r'name="token" value="([^"]+)"', page).group(1)
    page = client.post("/contract/extend", data={"csrf_token": token(client), "token": token_value, "after": "Termination", "title": "Schedule 9 - Safeguarding"}).get_data(as_text=True)
    assert "inserted after the section “Termination”" in page
    link = re.search(r'href="(/contract/result/[^"]+)"', page).group(1)
    response = client.get(link)
    assert "Repairs%20contract%202026%20with%20safeguarding%20schedule.docx" in response.headers["Content-Disposition"] or "Repairs contract 2026 with safeguarding schedule.docx" in response.headers["Content-Disposition"]
    text = text_of(response.get_data())
    assert text.index("Termination") < text.index("Schedule 9 - Safeguarding")
    again = client.post("/contract/extend", data={"csrf_token": token(client), "token": token_value, "after": "Not a heading"})
    assert again.status_code == 422 and "Choose a heading from the list" in again.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["macro-enabled", "password-protected", "zip bomb", "random bytes"])
def test_a_hostile_contract_gets_the_add_clauses_refusal(client, workspace, tmp_path, kind):
    _with_example(workspace)
    make, name = HOSTILE[kind]
    path = make(tmp_path)
    expected = CliRunner().invoke(cli, ["add-clauses", str(path), "--service", "repairs", "--profile", str(EXAMPLE), "-o", str(tmp_path / "out.docx")])
    assert expected.exit_code == 2
    data = {"csrf_token": token(client, "/contract"), "service_choice": "kingsmead.yaml|repairs", "contract": (io.BytesIO(path.read_bytes()), name)}
    response = client.post("/contract", data=data, content_type="multipart/form-data")
    import html

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert expected.stderr.split("error: ", 1)[1].strip().replace(str(path), name).replace(path.name, name) in page
    assert "Traceback" not in page and client.get("/health").status_code == 200


# --------------------------------------------------------------------------- two people at once

def test_two_checks_at_once_do_not_wait_for_each_other(app, monkeypatch):
    """The first check is held until the second has started: with one worker the second would never start."""
    import msp_docs.check as check_module

    started = {"first": threading.Event(), "second": threading.Event()}
    real = check_module.check_many

    def held(paths, **kwargs):
        name = "first" if not started["first"].is_set() else "second"
        started[name].set()
        if name == "first":
            assert started["second"].wait(20), "the second check did not start while the first was running"
        return real(paths, **kwargs)

    monkeypatch.setattr(check_module, "check_many", held)
    first, second = app.test_client(), app.test_client()
    begin = time.monotonic()
    a = first.post("/check", data={"csrf_token": token(first), "files": [(io.BytesIO(SCRIPT_POLICY.encode()), "a.txt")]}, content_type="multipart/form-data")
    assert a.status_code == 303 and time.monotonic() - begin < 10, "the upload waited for the check"
    assert started["first"].wait(10)
    b = second.post("/check", data={"csrf_token": token(second), "files": [(io.BytesIO(SCRIPT_POLICY.encode()), "b.txt")]}, content_type="multipart/form-data")
    assert b.status_code == 303
    assert 'data-document="a.txt"' in wait_for(first, a.headers["Location"])
    assert 'data-document="b.txt"' in wait_for(second, b.headers["Location"])


# --------------------------------------------------------------------------- review

def _with_commissioner(workspace) -> None:
    (workspace / "profiles").mkdir(parents=True, exist_ok=True)
    shutil.copy(COMMISSIONER, workspace / "profiles" / "eastmoor.yaml")


def review(client, name: str, content: bytes, **form):
    """Upload a document to /review; return the response (a redirect to the result when it worked)."""
    data = {"csrf_token": token(client, "/review"), "profile": "eastmoor.yaml", "baseline": "auto", "edition": "2017", "respond_by": "", "to": "", **form}
    data["document"] = (io.BytesIO(content), name)
    return client.post("/review", data=data, content_type="multipart/form-data")


def review_links(page: str) -> dict[str, str]:
    """The result page's downloads: {'review.zip' | 'reviewed.docx' | 'letter.docx': address}."""
    return {kind: link for link, kind in re.findall(r'href="(/review/result/[^"/]+/(review\.zip|reviewed\.docx|letter\.docx))"', page)}


def test_the_review_form_is_labelled_safe_and_in_order(client, workspace):
    _with_commissioner(workspace)
    response = client.get("/review")
    assert_safe_page(response)
    page = response.get_data(as_text=True)
    assert_labelled(page)
    assert_headings_in_order(page, "/review")
    assert '<input class="file-input" type="file" id="document" name="document"' in page
    assert '<option value="eastmoor.yaml" selected>' in page, "the only profile is chosen already"
    assert 'href="/review"' in client.get("/").get_data(as_text=True), "the start page and the navigation lead to it"


def test_without_a_valid_profile_the_review_page_says_what_to_do_first(client):
    page = client.get("/review").get_data(as_text=True)
    assert "there is no valid profile in the workspace yet" in page and 'href="/profile"' in page
    assert 'name="document"' not in page


def test_a_review_gives_the_command_line_s_files_each_alone_and_in_a_zip(client, workspace, tmp_path):
    import json

    sys.path.insert(0, str(HERE))
    from test_review import reply_rows

    _with_commissioner(workspace)
    source = EVAL / "05-kestrelvale-repairs-spec.docx"
    response = review(client, source.name, source.read_bytes())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Review ready" in page and "The marked-up copy" in page
    links = review_links(page)
    assert sorted(links) == ["letter.docx", "review.zip", "reviewed.docx"]
    reviewed, letter = client.get(links["reviewed.docx"]), client.get(links["letter.docx"])
    assert "05-kestrelvale-repairs-spec-reviewed.docx" in reviewed.headers["Content-Disposition"]
    assert "05-kestrelvale-repairs-spec-letter.docx" in letter.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(links["review.zip"]).get_data()))
    assert archive.namelist() == ["05-kestrelvale-repairs-spec-reviewed.docx", "05-kestrelvale-repairs-spec-letter.docx"]
    assert archive.read("05-kestrelvale-repairs-spec-reviewed.docx") == reviewed.get_data()
    assert archive.read("05-kestrelvale-repairs-spec-letter.docx") == letter.get_data()
    # The same library function as the command line, on the same document, profile and day: the same bytes.
    out = tmp_path / "cli"
    cli_run = CliRunner().invoke(cli, ["review", str(source), "--profile", str(COMMISSIONER), "-o", str(out)])
    assert cli_run.exit_code == 3, cli_run.output
    assert (out / "05-kestrelvale-repairs-spec-reviewed.docx").read_bytes() == reviewed.get_data()
    assert (out / "05-kestrelvale-repairs-spec-letter.docx").read_bytes() == letter.get_data()
    # The reply form has one row per gap of check's report.
    report = json.loads(CliRunner().invoke(cli, ["check", str(source), "--format", "json"]).stdout)["documents"][0]
    gaps = [q for q in report["requirements"] if q["required"] and q["status"] != "covered"]
    rows = reply_rows(letter.get_data())
    assert gaps and len(rows) == len(gaps)
    assert rows == reply_rows((out / "05-kestrelvale-repairs-spec-letter.docx").read_bytes())
    assert f"It makes {len(gaps)} requests" in page
    comments = docx.Document(io.BytesIO(reviewed.get_data())).comments
    assert sum(1 for c in comments if c.text.startswith("Covers:")) > 5 and any(c.text.startswith("Summary of our review") for c in comments)


def test_a_checked_document_is_reviewed_from_its_report_with_what_was_typed(client, workspace):
    _with_commissioner(workspace)
    original_comments = len(docx.Document(str(CONTRACT)).comments)
    page = check(client, [("Repairs contract 2026.docx", CONTRACT.read_bytes()), ("notes.txt", SCRIPT_POLICY.encode())])
    links = dict((name, link) for link, name in re.findall(r'<a class="button button-secondary" href="(/review/check/[^"]+)">Review ([^<]+)</a>', page))
    assert sorted(links) == ["Repairs contract 2026.docx", "notes.txt"], "each checked document links to its review"
    form = client.get(links["Repairs contract 2026.docx"]).get_data(as_text=True)
    assert 'data-review-document="Repairs contract 2026.docx"' in form and 'name="document"' not in form
    assert_labelled(form)
    provider = "Kestrel & Vale <Repairs> “Zoë's” Ltd 🛠"
    data = {"csrf_token": token(client), "profile": "eastmoor.yaml", "respond_by": "2099-01-15", "to": provider}
    response = client.post(links["Repairs contract 2026.docx"], data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kestrel &amp; Vale &lt;Repairs&gt; “Zoë&#39;s” Ltd 🛠 (as you gave the name)" in page
    assert "Back to the coverage report" in page and "15 January 2099" in page
    links = review_links(page)
    letter = text_of(client.get(links["letter.docx"]).get_data())
    assert provider in letter and "15 January 2099" in letter and "Repairs contract 2026.docx" in letter
    assert "upload-" not in letter, "a made-up upload name reached the letter"
    document = docx.Document(io.BytesIO(client.get(links["reviewed.docx"]).get_data()))
    ours = [c for c in document.comments if c.author == "Priya Shah"]
    assert len(document.comments) == original_comments + len(ours), "the comments it had are kept"
    assert ours[0].text.startswith("Summary of our review") and any(c.text.startswith("Covers:") for c in ours)


@pytest.mark.parametrize("name", ["06-fernhill-gas-spec.pdf", "03-calderbrook-statement.txt", "07-oakridge-cleaning-spec.md"])
def test_a_pdf_text_or_markdown_file_gets_the_letter_only_saying_why(client, workspace, name):
    _with_commissioner(workspace)
    response = review(client, name, (EVAL / name).read_bytes(), to="Fernhill Homes")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    import html

    from msp_docs.review import wording

    reason = wording()["no_copy_note"]["pdf" if name.endswith(".pdf") else "text"]
    assert f"<strong>No marked-up copy:</strong> {reason}." in html.unescape(page)
    links = review_links(page)
    assert sorted(links) == ["letter.docx"], "nothing to download but the letter"
    token_path = links["letter.docx"].rsplit("/", 1)[0]
    assert client.get(token_path + "/reviewed.docx").status_code == 404 and client.get(token_path + "/review.zip").status_code == 404
    letter = text_of(client.get(links["letter.docx"]).get_data())
    assert "there is no marked-up copy" in letter and "Fernhill Homes" in letter


def test_review_form_problems_are_shown_together_beside_their_fields(client, workspace):
    _with_commissioner(workspace)
    data = {"csrf_token": token(client, "/review"), "profile": "", "respond_by": "31/09/2026", "to": "", "baseline": "auto", "edition": "2017"}
    response = client.post("/review", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "There are 3 problems" in page
    for field, message in [("document", "Choose the provider&#39;s document to review"), ("profile", "Choose your organisation&#39;s profile from the list"),
                           ("respond_by", "“31/09/2026” is not a date; write it like 2026-09-30, or leave it empty")]:
        assert f'<a href="#{field}">' in page, f"the summary does not link to {field}"
        assert f'<p class="error-message" id="{field}-error" data-error-for="{field}"><span class="visually-hidden">Error:</span> {message}</p>' in page
        tag = re.search(rf'<(?:input|select)[^>]* id="{field}"[^>]*>', page).group(0)
        assert f'aria-describedby="{field}-hint {field}-error"' in tag and 'aria-invalid="true"' in tag
    assert 'value="31/09/2026"' in page, "what was typed is kept"
    late = review(client, "policy.txt", SCRIPT_POLICY.encode(), respond_by="2001-02-03")
    assert late.status_code == 422
    assert re.search(r'data-error-for="respond_by"><span class="visually-hidden">Error:</span> The date to reply by \(2001-02-03\) is before the date of the review \(\d{4}-\d\d-\d\d\); give a later date</p>', late.get_data(as_text=True))


def test_a_document_over_the_upload_limit_gets_a_message_beside_the_file_field(workspace):
    from msp_docs.web import create_app

    _with_commissioner(workspace)
    client = create_app(workspace, MAX_FILE_BYTES=10_000).test_client()
    response = review(client, "big <spec>.txt", b"a" * 20_000)
    assert response.status_code == 413
    assert '<p class="error-message" id="document-error" data-error-for="document"><span class="visually-hidden">Error:</span> big &lt;spec&gt;.txt is larger than' in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["zip bomb", "billion laughs", "password-protected", "random bytes", "member outside the package"])
def test_a_hostile_document_gets_the_review_refusal_on_the_page(client, workspace, tmp_path, monkeypatch, kind):
    import html
    import tempfile

    _with_commissioner(workspace)
    make, name = HOSTILE[kind]
    path = make(tmp_path)
    expected = CliRunner().invoke(cli, ["review", str(path), "--profile", str(COMMISSIONER), "-o", str(tmp_path / "out")])
    assert expected.exit_code == 2, expected.output
    uploads = tmp_path / "tmp"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    response = review(client, name, path.read_bytes())
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Traceback" not in page
    shown = re.search(r'data-error-for="document"><span class="visually-hidden">Error:</span> ([^<]+)</p>', page).group(1)
    assert html.unescape(shown) == expected.stderr.split("error: ", 1)[1].strip().replace(str(path), name).replace(path.name, name)
    assert not list(uploads.iterdir()), "the upload was not removed"
    assert client.get("/health").status_code == 200


def test_another_session_cannot_review_or_download(app, workspace):
    _with_commissioner(workspace)
    owner, other = app.test_client(), app.test_client()
    page = check(owner, [("policy.txt", SCRIPT_POLICY.encode())])
    form = re.search(r'href="(/review/check/[^"]+)"', page).group(1)
    assert other.get(form).status_code == 404
    assert other.post(form, data={"csrf_token": token(other), "profile": "eastmoor.yaml"}).status_code == 404
    result = owner.post(form, data={"csrf_token": token(owner), "profile": "eastmoor.yaml"})
    assert result.status_code == 303
    letter = review_links(owner.get(result.headers["Location"]).get_data(as_text=True))["letter.docx"]
    assert owner.get(letter).status_code == 200
    assert other.get(result.headers["Location"]).status_code == 404 and other.get(letter).status_code == 404
    assert owner.get(form.rsplit("/", 1)[0] + "/7").status_code == 404, "a document the check did not have"


def test_kept_files_over_the_byte_budget_are_forgotten_oldest_first():
    from dataclasses import dataclass

    from msp_docs.web.jobs import JobStore

    @dataclass(frozen=True)
    class Kept:
        data: bytes

    store = JobStore(workers=1, keep_bytes=250)
    first, second = store.keep("me", Kept(b"a" * 100)), store.keep("me", Kept(b"b" * 100))
    small = store.keep("me", "no files")
    assert store.get("me", first) and store.get("me", second)
    third = store.keep("me", Kept(b"c" * 100))
    assert store.get("me", first) is None, "the oldest file goes when the budget is passed"
    assert store.get("me", second) and store.get("me", third) and store.get("me", small) == "no files"
    huge = store.keep("me", Kept(b"d" * 1000))
    assert store.get("me", huge), "what was just kept stays, even alone over the budget"
