#!/usr/bin/env python3
"""Points Genesys's official Python SDK at blend-genesys-sim and checks that it works.

Run by CTest (label integration):
  services/genesys-sim/tests/sdk_fidelity_test.py --sim build/bin/blend-genesys-sim \
      --venv build/genesys-sdk-venv

Creates the virtual environment (or reuses it), installs the pinned SDK, starts the simulator
on a free loopback port and performs: token grant, agentless SMS, agentless email, priority
contact insertion (and reads the dialled contact's callRecords), insertion under a client-chosen
contact id (twice: an upsert), making that contact uncallable (PUT) and deleting it (DELETE,
then 404s), adding numbers to a DNC list,
a DNC export with its CSV download, and a forced 429. Every response must deserialise into the
SDK's own models, and every JSON key the simulator sends must be a field of that model. Any
problem fails the test with a message; nothing is skipped.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SDK_PACKAGE = "PureCloudPlatformClientV2"
SDK_VERSION = "257.1.0"  # the SDK release genesys-sim's API subset was checked against


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sim", required=True, help="path of the blend-genesys-sim binary")
    p.add_argument("--venv", required=True, help="virtual environment to create or reuse")
    p.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def ensure_venv(venv):
    """Creates the venv and installs the pinned SDK unless it is already there."""
    py = venv_python(venv)
    if not os.path.exists(py):
        print(f"creating virtual environment {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    probe = subprocess.run(
        [py, "-c", f"import importlib.metadata as m; print(m.version('{SDK_PACKAGE}'))"],
        capture_output=True, text=True)
    if probe.returncode == 0 and probe.stdout.strip() == SDK_VERSION:
        return py
    print(f"installing {SDK_PACKAGE}=={SDK_VERSION}", flush=True)
    subprocess.run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    f"{SDK_PACKAGE}=={SDK_VERSION}"], check=True)
    return py


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Failure(Exception):
    pass


START = time.monotonic()


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"  ok ({time.monotonic() - START:5.1f}s): {what}", flush=True)


def start_sim(binary, log):
    for _ in range(5):  # another process may grab the free port between probe and bind
        port = free_port()
        proc = subprocess.Popen(
            [binary, f"--http-addr=127.0.0.1:{port}", "--metrics-addr=127.0.0.1:0",
             "--dial-delay=1s", "--tick=50ms"], stdout=log, stderr=log)
        deadline = time.time() + 10
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return proc, port
            except OSError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise Failure("blend-genesys-sim did not start (see its log above)")


def admin(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read() or b"null")


# ---- strict model check: every key the simulator sent is a field of the SDK model ----------

def check_keys(gc, raw, type_name, where):
    if raw is None:
        return
    if type_name.startswith("list["):
        for i, item in enumerate(raw):
            check_keys(gc, item, type_name[5:-1], f"{where}[{i}]")
        return
    if type_name.startswith("dict("):
        inner = type_name[type_name.index(",") + 1:-1].strip()
        for k, v in raw.items():
            check_keys(gc, v, inner, f"{where}.{k}")
        return
    model = getattr(gc, type_name, None)
    if model is None:  # str, int, bool, datetime, object
        return
    instance = model()
    fields = {json_key: attr for attr, json_key in instance.attribute_map.items()}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise Failure(f"{where}: keys {unknown} are not fields of the SDK model {type_name}")
    for key, value in raw.items():
        check_keys(gc, value, instance.swagger_types[fields[key]], f"{where}.{key}")


def run(args):
    import PureCloudPlatformClientV2 as gc
    from PureCloudPlatformClientV2.default_http_client import DefaultHttpClient
    from PureCloudPlatformClientV2.rest import ApiException
    import datetime

    class RecordingHttpClient(DefaultHttpClient):
        """Keeps the last raw response so its JSON keys can be checked against the model."""
        last = None

        def request(self, options):
            response = super().request(options)
            RecordingHttpClient.last = response
            return response

    def raw_json():
        return json.loads(RecordingHttpClient.last.data)

    log = tempfile.TemporaryFile(mode="w+")
    proc, port = start_sim(args.sim, log)
    try:
        base = f"http://127.0.0.1:{port}"
        print(f"{SDK_PACKAGE} {gc.__version__ if hasattr(gc, '__version__') else SDK_VERSION} "
              f"against blend-genesys-sim at {base}", flush=True)

        # 1. Token grant (login URL derived from the host: same port).
        client = gc.api_client.ApiClient(host=base)
        client.set_http_client(RecordingHttpClient())
        client.get_client_credentials_token("demo-client", "demo-secret")
        check(isinstance(client.access_token, str) and len(client.access_token) > 20,
              "client-credentials token granted")
        token_body = raw_json()
        check(token_body.get("token_type") == "bearer" and token_body.get("expires_in") == 86399,
              "token response has token_type bearer and expires_in")
        bad = gc.api_client.ApiClient(host=base)
        try:
            bad.get_client_credentials_token("demo-client", "wrong")
            raise Failure("a wrong client secret was accepted")
        except ApiException as e:
            check(e.status == 401, "wrong secret -> ApiException 401")

        conversations = gc.ConversationsApi(client)
        outbound = gc.OutboundApi(client)

        # 2. Agentless SMS.
        sms = gc.SendAgentlessOutboundMessageRequest()
        sms.from_address = "+18005550199"
        sms.to_address = "+13175550100"
        sms.to_address_messenger_type = "sms"
        sms.text_body = "Invoice 42 is 30 days overdue. [blend-touch-id:fidelity-sms-1]"
        r = conversations.post_conversations_messages_agentless(sms)
        check_keys(gc, raw_json(), "SendAgentlessOutboundMessageResponse", "sms")
        check(isinstance(r, gc.SendAgentlessOutboundMessageResponse) and r.id and r.conversation_id,
              "SMS response deserialises with id and conversationId")
        check(r.messenger_type == "sms" and r.to_address == "+13175550100"
              and isinstance(r.timestamp, datetime.datetime), "SMS response fields typed")
        r = conversations.post_conversations_messages_agentless(sms, use_normalized_message=True)
        check_keys(gc, raw_json(), "SendAgentlessOutboundMessageResponse", "sms(normalized)")
        check(isinstance(r.message, gc.MessageData) and r.message.direction == "outbound"
              and r.message.status == "queued" and r.text_body is None,
              "normalized SMS response carries MessageData")

        # 3. Agentless email.
        email = gc.AgentlessEmailSendRequestDto()
        email.sender_type = "Outbound"
        email.from_address = gc.EmailAddress()
        email.from_address.email = "collections@demo.example.com"
        email.from_address.name = "Demo Collections"
        to = gc.EmailAddress()
        to.email = "customer@example.org"
        to.name = "Customer"
        email.to_addresses = [to]
        email.subject = "Your invoice"
        email.text_body = "Please pay invoice 42."
        r = conversations.post_conversations_emails_agentless(email)
        check_keys(gc, raw_json(), "AgentlessEmailSendResponseDto", "email")
        check(isinstance(r, gc.AgentlessEmailSendResponseDto) and r.id and r.conversation_id
              and r.sender_type == "Outbound" and r.to_addresses[0].email == "customer@example.org"
              and isinstance(r.date_created, datetime.datetime),
              "email response deserialises into AgentlessEmailSendResponseDto")

        # 4. Priority contact insertion, then the dialler's callRecords.
        contact = gc.WritableDialerContact()
        contact.contact_list_id = "demo-contacts"
        contact.data = {"phone": "+13175550104", "touchId": "fidelity-voice-1"}
        added = outbound.post_outbound_contactlist_contacts("demo-contacts", [contact], priority=True)
        check_keys(gc, raw_json(), "list[DialerContact]", "contacts")
        check(len(added) == 1 and isinstance(added[0], gc.DialerContact) and added[0].id
              and added[0].configuration_overrides.priority is True
              and added[0].data["phone"] == "+13175550104",
              "priority insertion returns DialerContact with configurationOverrides.priority")
        deadline = time.time() + 10
        dialled = None
        while time.time() < deadline:
            dialled = outbound.get_outbound_contactlist_contact("demo-contacts", added[0].id)
            if dialled.call_records:
                break
            time.sleep(0.2)
        check_keys(gc, raw_json(), "DialerContact", "contact")
        record = (dialled.call_records or {}).get("phone")
        check(isinstance(record, gc.CallRecord) and record.last_result == "ININ-OUTBOUND-NO-ANSWER"
              and isinstance(record.last_attempt, datetime.datetime),
              "dialled contact shows callRecords.phone = ININ-OUTBOUND-NO-ANSWER")

        # 4b. A client-chosen contact id (Blend derives it from the touch id, libs/genesys
        # contact_id.h) makes the insertion an upsert; then the two ways to withdraw a queued
        # contact: PUT with callable false, and DELETE.
        import uuid
        blend_ns = uuid.UUID("b30aa2a9-dd4e-4264-b905-d7dc0ea02440")
        chosen = str(uuid.uuid5(blend_ns, "fidelity-voice-2"))
        mine = gc.WritableDialerContact()
        mine.id = chosen
        mine.contact_list_id = "demo-contacts"
        mine.data = {"phone": "+13175550105", "touchId": "fidelity-voice-2"}
        for attempt in (1, 2):  # the second is a retry after a lost answer
            got = outbound.post_outbound_contactlist_contacts(
                "demo-contacts", [mine], priority=True, do_not_queue=True)
            check_keys(gc, raw_json(), "list[DialerContact]", f"upsert {attempt}")
            check(len(got) == 1 and got[0].id == chosen,
                  f"insertion {attempt} with a client-chosen id keeps that id")
        current = outbound.get_outbound_contactlist_contact("demo-contacts", chosen)
        current.callable = False
        updated = outbound.put_outbound_contactlist_contact("demo-contacts", chosen, current)
        check_keys(gc, raw_json(), "DialerContact", "contact update")
        check(isinstance(updated, gc.DialerContact) and updated.callable is False
              and updated.data["touchId"] == "fidelity-voice-2",
              "PUT contacts/{id} with callable false returns the uncallable DialerContact")
        outbound.delete_outbound_contactlist_contact("demo-contacts", chosen)
        check(RecordingHttpClient.last.status == 204, "DELETE contacts/{id} -> 204")
        for what, call in (("GET", outbound.get_outbound_contactlist_contact),
                           ("DELETE", outbound.delete_outbound_contactlist_contact)):
            try:
                call("demo-contacts", chosen)
                raise Failure(f"{what} of a deleted contact succeeded")
            except ApiException as e:
                check(e.status == 404 and json.loads(e.body)["code"] == "not.found",
                      f"{what} of the deleted contact -> ApiException 404 not.found")
        withdrawals = admin(port, "GET", "/sim/audit?touchId=fidelity-voice-2")["entries"]
        check([e["operation"] for e in withdrawals] ==
              ["contacts.add", "contacts.add", "contacts.update", "contacts.delete"]
              and all(e["contactId"] == chosen for e in withdrawals),
              "audit shows the upserts and the withdrawals with touchId and contactId")

        # 5. Numbers added to the internal DNC list (POST and PATCH).
        outbound.post_outbound_dnclist_phonenumbers("demo-dnc", ["+13175550100", "+13175550101"])
        check(RecordingHttpClient.last.status == 200, "POST dnclists/{id}/phonenumbers -> 200")
        patch = gc.DncPatchPhoneNumbersRequest()
        patch.action = "Add"
        patch.phone_numbers = ["+13175550102"]
        outbound.patch_outbound_dnclist_phonenumbers("demo-dnc", patch)
        check(RecordingHttpClient.last.status == 204, "PATCH dnclists/{id}/phonenumbers -> 204")
        dnc = outbound.get_outbound_dnclist("demo-dnc")
        check_keys(gc, raw_json(), "DncList", "dnclist")
        check(isinstance(dnc, gc.DncList) and dnc.dnc_source_type == "rds" and dnc.size == 3,
              "DncList deserialises with dncSourceType rds and size 3")

        # 6. DNC export -> URI -> CSV.
        job = outbound.post_outbound_dnclist_export("demo-dnc")
        check_keys(gc, raw_json(), "DomainEntityRef", "export job")
        check(isinstance(job, gc.DomainEntityRef) and job.id, "export job is a DomainEntityRef")
        uri = outbound.get_outbound_dnclist_export("demo-dnc", download="false")
        check_keys(gc, raw_json(), "ExportUri", "export uri")
        check(isinstance(uri, gc.ExportUri) and uri.uri.startswith(base)
              and isinstance(uri.export_timestamp, datetime.datetime),
              "export URI deserialises into ExportUri")
        with urllib.request.urlopen(uri.uri, timeout=5) as resp:
            csv = resp.read().decode()
        lines = csv.strip().splitlines()
        check(lines[0] == "PhoneNumber,ExpirationDateTime"
              and {l.split(",")[0] for l in lines[1:]} == {"+13175550100", "+13175550101",
                                                           "+13175550102"},
              "downloaded CSV lists the three DNC numbers")

        # 7a. The SDK's urllib3 pool (Retry with every method allowed) honours Retry-After by
        # itself: through a 2 s forced storm a POST still succeeds, after the advertised wait.
        admin(port, "PUT", "/sim/faults", {"storm429For": "2s", "pathPrefix": "/api/v2/"})
        started = time.monotonic()
        r = conversations.post_conversations_messages_agentless(sms)
        waited = time.monotonic() - started
        admin(port, "DELETE", "/sim/faults")
        check(isinstance(r, gc.SendAgentlessOutboundMessageResponse) and 1.0 <= waited < 10,
              f"SDK waited the storm's Retry-After and succeeded ({waited:.1f}s)")
        storm = admin(port, "GET", "/sim/audit?operation=sms.send&status=429")
        check(len(storm["entries"]) >= 1, "the audit recorded the storm's 429 answers")

        # 7b. With urllib3's own retries off (Blend's workers own their retry policy), a 429
        # reaches the caller as ApiException carrying status, Retry-After and rate headers.
        import urllib3
        pool = client.get_http_client().rest_client.pool_manager
        pool.connection_pool_kw["retries"] = urllib3.util.Retry(total=0, raise_on_status=False)
        pool.clear()
        admin(port, "PUT", "/sim/rate-limit", {"requestsPerMinute": 1})
        try:
            conversations.post_conversations_messages_agentless(sms)
            raise Failure("the simulator did not answer 429 after the budget was exceeded")
        except ApiException as e:
            body = json.loads(e.body)
            check(e.status == 429, "ApiException carries status 429")
            retry_after = e.headers.get("Retry-After")
            check(retry_after is not None and 1 <= int(retry_after) <= 60,
                  f"ApiException carries Retry-After ({retry_after})")
            check(e.headers.get("inin-ratelimit-allowed") == "1"
                  and e.headers.get("inin-ratelimit-count") is not None
                  and e.headers.get("inin-ratelimit-reset") is not None,
                  "ApiException carries the inin-ratelimit-* headers")
            check(body["code"] == "too.many.requests.retry.after" and body["status"] == 429
                  and body["contextId"] == e.headers.get("ININ-Correlation-Id"),
                  "429 body is Genesys's normalized error with contextId = correlation id")
        admin(port, "PUT", "/sim/rate-limit", {"requestsPerMinute": 300})

        # The audit saw the touch ids Blend-style requests carried.
        audit = admin(port, "GET", "/sim/audit?touchId=fidelity-voice-1")
        check(len(audit["entries"]) == 1 and audit["entries"][0]["operation"] == "contacts.add",
              "audit finds the contact insertion by its touch id")
        print("PASS: the official SDK deserialised every simulator response", flush=True)
        return 0
    except Failure as f:
        print(f"FAIL: {f}", flush=True)
        log.seek(0)
        print("---- blend-genesys-sim log ----\n" + log.read()[-4000:], flush=True)
        return 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    args = parse_args()
    if not args.in_venv:
        if not os.access(args.sim, os.X_OK):
            print(f"FAIL: simulator binary {args.sim} is missing", flush=True)
            return 1
        py = ensure_venv(os.path.abspath(args.venv))
        return subprocess.run([py, os.path.abspath(__file__), "--sim", args.sim, "--venv",
                               args.venv, "--in-venv"]).returncode
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
