"""Avatars: uploads checked by content, claimed through a token, served to whoever sees the
contact, and removed when replaced or when the contact goes."""
from chalicelib import config
from chalicelib.store.files import s3
from tests.conftest import body_json, written

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 32
OCTETS = "application/octet-stream"


def upload(api, key, content):
    return api.post("/uploads.json", content, key=key, content_type=OCTETS)


def objects():
    return [o["Key"] for o in s3().list_objects_v2(Bucket=config.FILES_BUCKET).get("Contents", [])]


def test_upload_then_avatar_then_the_file(api, crm):
    r = upload(api, crm.admin, PNG)
    assert r.status_code == 201
    token = body_json(r)["upload"]["token"]
    r = api.post("/contacts.json", {"contact": {"first_name": "Pic", "project_id": "support",
                                                "avatar": {"token": token}}}, key=crm.admin)
    contact = body_json(r)["contact"]
    assert contact["avatar"] == {"attachment_id": 1}
    assert list(contact)[:2] == ["id", "avatar"]
    text = api.get(f"/contacts/{contact['id']}.xml", key=crm.admin).body.decode()
    assert f'<contact><id>{contact["id"]}</id><avatar attachment_id="1"/><is_company>' in text
    r = api.get("/attachments/1", key=crm.admin, headers={"Accept": "*/*"})
    assert (r.status_code, r.headers["Content-Type"], r.body) == (200, "image/png", PNG)
    vcard = api.get(f"/contacts/{contact['id']}.vcf", key=crm.admin).body.decode()
    assert "PHOTO;VALUE=uri:http://localhost/attachments/1" in vcard


def test_uploads_are_checked_by_content_and_size(api, crm):
    r = upload(api, crm.admin, b"MZ\x90\x00 not an image, whatever the name")
    assert (r.status_code, body_json(r)["errors"]) == (422, ["File is not a PNG, JPEG, GIF or WebP image"])
    assert body_json(upload(api, crm.admin, b""))["errors"] == ["File cannot be empty"]
    r = upload(api, crm.admin, PNG + b"\x00" * (4 * 1024 * 1024))
    assert r.status_code == 413
    assert upload(api, None, PNG).status_code == 401
    assert objects() == []


def test_a_token_is_used_once_and_only_by_its_uploader(api, crm):
    crm.member("dev", "support", "Developer")
    token = body_json(upload(api, crm.key("dev"), GIF))["upload"]["token"]
    r = api.post("/contacts.json", {"contact": {"first_name": "A", "project_id": "support",
                                                "uploads": [{"token": token, "description": "avatar"}]}},
                 key=crm.key("dev"))
    assert r.status_code == 201
    r = api.post("/contacts.json", {"contact": {"first_name": "B", "project_id": "support",
                                                "avatar": {"token": token}}}, key=crm.key("dev"))
    assert body_json(r)["errors"] == ["Avatar is invalid"]
    other = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    r = api.post("/contacts.json", {"contact": {"first_name": "C", "project_id": "support",
                                                "avatar": {"token": other}}}, key=crm.key("dev"))
    assert body_json(r)["errors"] == ["Avatar is invalid"]
    forged = other.split(".")[0] + ".0000"
    r = api.post("/contacts.json", {"contact": {"first_name": "D", "project_id": "support",
                                                "avatar": {"token": forged}}}, key=crm.admin)
    assert body_json(r)["errors"] == ["Avatar is invalid"]


def test_replacing_and_deleting_leave_no_orphans(api, crm):
    first = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    contact = crm.contact(first_name="Swap", avatar={"token": first})
    second = body_json(upload(api, crm.admin, GIF))["upload"]["token"]
    assert api.put(f"/contacts/{contact}.json", {"contact": {"avatar": {"token": second}}},
                   key=crm.admin).status_code == 204
    assert objects() == ["attachments/2"]
    assert api.get("/attachments/1", key=crm.admin).status_code == 404
    assert api.get("/attachments/2", key=crm.admin, headers={"Accept": "image/gif, */*"}).body == GIF
    written(api.delete(f"/contacts/{contact}.json", key=crm.admin))
    assert objects() == []
    assert api.get("/attachments/2", key=crm.admin).status_code == 404


def test_attachments_follow_the_contacts_visibility(api, crm):
    crm.member("viewer", "support", "Reporter")
    token = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    hidden = crm.contact(first_name="Hidden", visibility=2, avatar={"token": token})
    assert body_json(api.get(f"/contacts/{hidden}.json", key=crm.admin))["contact"]["avatar"]
    assert api.get("/attachments/1", key=crm.key("viewer")).status_code == 403
    assert api.get("/attachments/1").status_code == 401
    assert api.get("/attachments/99", key=crm.admin).status_code == 404
    unclaimed = body_json(upload(api, crm.admin, GIF))["upload"]["token"]
    assert unclaimed.startswith("2.")
    assert api.get("/attachments/2", key=crm.key("viewer")).status_code == 403


def test_two_contacts_racing_for_one_upload_one_wins(api, crm, monkeypatch):
    """Both requests pass the token check before either writes; the claim is conditional, so
    the second write is refused whole and the winner keeps its avatar."""
    from chalicelib.services import avatars
    token = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    a, b = crm.contact(first_name="A"), crm.contact(first_name="B")
    real_claimable = avatars.claimable
    raced = []

    def claimable_then_rival(caller, value):
        attachment = real_claimable(caller, value)    # still unclaimed here
        if not raced:
            raced.append(True)
            r = api.put(f"/contacts/{a}.json", {"contact": {"avatar": {"token": token}}}, key=crm.admin)
            assert r.status_code == 204
        return attachment

    monkeypatch.setattr(avatars, "claimable", claimable_then_rival)
    r = api.put(f"/contacts/{b}.xml", "<contact><job_title>x</job_title><avatar><token>%s</token></avatar></contact>"
                % token, key=crm.admin, content_type="application/xml")
    assert r.status_code == 422
    assert r.body.decode().endswith('<errors type="array"><error>Avatar is invalid</error></errors>')
    monkeypatch.undo()
    shown_b = body_json(api.get(f"/contacts/{b}.json", key=crm.admin))["contact"]
    assert ("avatar" in shown_b, shown_b["job_title"]) == (False, None)      # nothing half-written
    assert body_json(api.get(f"/contacts/{a}.json", key=crm.admin))["contact"]["avatar"] == {"attachment_id": 1}
    assert api.delete(f"/contacts/{b}.json", key=crm.admin).status_code == 204
    assert objects() == ["attachments/1"]                                     # a's avatar survives


def test_threads_racing_for_one_upload(api, crm):
    import threading
    token = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    contacts = [crm.contact(first_name=f"C{n}") for n in range(4)]
    statuses = []
    start = threading.Barrier(len(contacts))

    def claim(contact_id):
        start.wait()
        r = api.put(f"/contacts/{contact_id}.json", {"contact": {"avatar": {"token": token}}}, key=crm.admin)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [204] + [422] * 3
    owners = [c for c in contacts if "avatar" in body_json(api.get(f"/contacts/{c}.json", key=crm.admin))["contact"]]
    assert len(owners) == 1


def tag_of(key):
    tags = s3().get_object_tagging(Bucket=config.FILES_BUCKET, Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in tags}


def test_uploads_are_tagged_unclaimed_until_a_contact_takes_them(api, crm):
    """The bucket's lifecycle rule removes objects tagged claimed=no; a claim tags the object
    before the contact's write, so a claimed avatar never expires."""
    token = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    assert tag_of("attachments/1") == {"claimed": "no"}
    crm.contact(first_name="Tagged", avatar={"token": token})
    assert tag_of("attachments/1") == {"claimed": "yes"}


def test_an_expired_upload_is_gone_even_before_ttl_removes_it(api, crm, monkeypatch):
    """DynamoDB's TTL deletes late: a record past its time is treated as gone already."""
    import time as clock
    from chalicelib.store import files
    token = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    later = clock.time() + files.UNCLAIMED_SECONDS + 1
    monkeypatch.setattr(files.time, "time", lambda: later)
    assert api.get("/attachments/1", key=crm.admin).status_code == 404
    r = api.post("/contacts.json", {"contact": {"first_name": "Late", "project_id": "support",
                                                "avatar": {"token": token}}}, key=crm.admin)
    assert (r.status_code, body_json(r)["errors"]) == (422, ["Avatar is invalid"])


def test_a_file_left_behind_does_not_fail_the_delete(api, crm, monkeypatch, caplog):
    """The contact's transaction removed its avatar's record; when removing the file then
    fails, the answer is still 204 and the file is garbage the checker finds."""
    from chalicelib.store import consistency, files
    token = body_json(upload(api, crm.admin, PNG))["upload"]["token"]
    contact = crm.contact(first_name="Gone", avatar={"token": token})

    def unavailable(**_):
        raise s3().exceptions.ClientError({"Error": {"Code": "SlowDown"}}, "DeleteObject")
    monkeypatch.setattr(files.s3(), "delete_object", unavailable)
    assert api.delete(f"/contacts/{contact}.json", key=crm.admin).status_code == 204
    assert "left the file attachments/1 behind" in caplog.text
    report = consistency.check()
    assert (report.problems, list(report.garbage)) == ([], ["attachments/1"])
