-- Tenancy: every row below carries org_id and every query filters on it.
CREATE TABLE orgs (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	created BIGINT NOT NULL
);

CREATE TABLE admins (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	name       TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
	token_hash BLOB NOT NULL UNIQUE,
	created    BIGINT NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE events (
	id      TEXT PRIMARY KEY,
	org_id  TEXT NOT NULL REFERENCES orgs(id),
	name    TEXT NOT NULL,
	created BIGINT NOT NULL,
	UNIQUE (org_id, name)
);

-- head_seq/head_hash are the newest stored record of the device's chain and
-- head_recv when it was stored; the ingest path advances them with a
-- compare-and-swap. missing counts sequence numbers recorded as gaps.
CREATE TABLE devices (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	event_id   TEXT NOT NULL DEFAULT '',
	name       TEXT NOT NULL,
	public_key BLOB NOT NULL UNIQUE,
	revoked    BIGINT NOT NULL DEFAULT 0,
	created    BIGINT NOT NULL,
	head_seq   BIGINT NOT NULL DEFAULT 0,
	head_hash  BLOB NOT NULL,
	head_recv  BIGINT NOT NULL DEFAULT 0,
	missing    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_org ON devices (org_id);

-- Subjects are enrolled people; the platform keeps only an opaque reference
-- and an HPKE envelope it cannot open.
CREATE TABLE subjects (
	id       TEXT PRIMARY KEY,
	org_id   TEXT NOT NULL REFERENCES orgs(id),
	event_id TEXT NOT NULL DEFAULT '',
	ref      TEXT NOT NULL,
	envelope BLOB NOT NULL,
	created  BIGINT NOT NULL,
	UNIQUE (org_id, ref)
);

CREATE TABLE results (
	org_id    TEXT NOT NULL,
	device_id TEXT NOT NULL,
	seq       BIGINT NOT NULL,
	hash      BLOB NOT NULL,
	prev_hash BLOB NOT NULL,
	received  BIGINT NOT NULL,
	record    BLOB NOT NULL,
	PRIMARY KEY (device_id, seq)
);
CREATE INDEX results_org ON results (org_id, device_id, seq);

-- A gap is a run of sequence numbers the device never delivered; it stays
-- visible for audit.
CREATE TABLE gaps (
	org_id    TEXT NOT NULL,
	device_id TEXT NOT NULL,
	from_seq  BIGINT NOT NULL,
	to_seq    BIGINT NOT NULL,
	detected  BIGINT NOT NULL,
	PRIMARY KEY (device_id, from_seq)
);
CREATE INDEX gaps_org ON gaps (org_id, device_id);

-- Request nonces seen per device, kept until the request would have expired.
CREATE TABLE nonces (
	device_id TEXT NOT NULL,
	nonce     BLOB NOT NULL,
	expires   BIGINT NOT NULL,
	PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_expires ON nonces (expires);

-- org_id is '' for requests that could not be tied to a tenant.
CREATE TABLE audit (
	id      {{serial}},
	org_id  TEXT NOT NULL,
	at      BIGINT NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	outcome TEXT NOT NULL,
	reason  TEXT NOT NULL,
	remote  TEXT NOT NULL,
	detail  TEXT NOT NULL
);
CREATE INDEX audit_org ON audit (org_id, id);
