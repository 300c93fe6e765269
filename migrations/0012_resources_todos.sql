-- A group's resources and todo lists (Mobilizon's resources, todo lists and
-- todos): members-only, never shown outside the group. Rows exist for our
-- groups and for remote groups one of our profiles belongs to.
--
-- `local` = 1: the object's id is ours (/resource/<uuid>, /todo-list/<uuid>,
-- /todo/<uuid>). A remote member's creation in one of our groups keeps the id
-- its server gave it (local = 0, group ours). `uuid` is ours in every case: it
-- names our page of the object.
--
-- A deleted object keeps its row, emptied, as a tombstone (`deleted_at`): its
-- URL answers 410 Gone, which Mobilizon needs to see before it applies a
-- Delete.

-- Folders and links in a tree. `kind`: folder, link, or a link made by the
-- pad, spreadsheet or video-call button. `parent_id` is a folder of the same
-- group (NULL: the group's root).
CREATE TABLE resources (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    ap_id               TEXT NOT NULL UNIQUE,
    group_id            INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    parent_id           INTEGER REFERENCES resources(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('folder', 'link', 'pad', 'calc', 'visio')),
    title               TEXT NOT NULL,
    summary             TEXT NOT NULL DEFAULT '',
    -- The link's target (http or https); empty for a folder.
    url                 TEXT NOT NULL DEFAULT '' CHECK (kind <> 'folder' OR url = ''),
    creator_id          INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    local               INTEGER NOT NULL CHECK (local IN (0, 1)),
    -- What the linked page says of itself (OpenGraph, <title>, meta
    -- description), read in the background; fetched_at NULL: not read (yet).
    preview_title       TEXT NOT NULL DEFAULT '',
    preview_description TEXT NOT NULL DEFAULT '',
    preview_image_url   TEXT NOT NULL DEFAULT '',
    preview_fetched_at  INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    deleted_at          INTEGER
) STRICT;
-- A folder's content (and the root's: parent_id IS NULL), by group.
CREATE INDEX resources_group_parent ON resources (group_id, parent_id);
-- Deleting a folder cascades through its children.
CREATE INDEX resources_parent ON resources (parent_id);
CREATE INDEX resources_creator ON resources (creator_id);

CREATE TABLE todo_lists (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    ap_id      TEXT NOT NULL UNIQUE,
    group_id   INTEGER NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    local      INTEGER NOT NULL CHECK (local IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX todo_lists_group ON todo_lists (group_id);

-- `due_date` is a calendar day (YYYY-MM-DD), not an instant; it and the
-- assignee stay here (Mobilizon does not federate them either).
CREATE TABLE todos (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    ap_id        TEXT NOT NULL UNIQUE,
    todo_list_id INTEGER NOT NULL REFERENCES todo_lists(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    due_date     TEXT CHECK (due_date IS NULL
                             OR due_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    assignee_id  INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    creator_id   INTEGER REFERENCES actors(id) ON DELETE SET NULL,
    local        INTEGER NOT NULL CHECK (local IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER
) STRICT;
CREATE INDEX todos_list ON todos (todo_list_id);
CREATE INDEX todos_assignee ON todos (assignee_id);
CREATE INDEX todos_creator ON todos (creator_id);
