-- Full-text search over events: title, description, place and tags, kept in
-- step with the events by triggers. Accents and case are ignored, so "fete"
-- finds "Fête".
CREATE VIRTUAL TABLE events_search USING fts5(
    title, description, place, tags,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO events_search (rowid, title, description, place, tags)
SELECT e.id, e.title, e.description,
       e.address_description || ' ' || e.address_locality || ' ' || e.address_region || ' ' || e.address_country,
       coalesce((SELECT group_concat(tag, ' ') FROM event_tags WHERE event_id = e.id), '')
FROM events e;

CREATE TRIGGER events_search_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_search (rowid, title, description, place, tags)
    VALUES (new.id, new.title, new.description,
            new.address_description || ' ' || new.address_locality || ' ' || new.address_region || ' ' ||
            new.address_country, '');
END;

CREATE TRIGGER events_search_update AFTER UPDATE OF title, description, address_description, address_locality,
    address_region, address_country ON events BEGIN
    UPDATE events_search SET title = new.title, description = new.description,
        place = new.address_description || ' ' || new.address_locality || ' ' || new.address_region || ' ' ||
                new.address_country
    WHERE rowid = new.id;
END;

CREATE TRIGGER events_search_delete AFTER DELETE ON events BEGIN
    DELETE FROM events_search WHERE rowid = old.id;
END;

CREATE TRIGGER event_tags_search_insert AFTER INSERT ON event_tags BEGIN
    UPDATE events_search SET tags = (SELECT group_concat(tag, ' ') FROM event_tags WHERE event_id = new.event_id)
    WHERE rowid = new.event_id;
END;

CREATE TRIGGER event_tags_search_delete AFTER DELETE ON event_tags BEGIN
    UPDATE events_search
    SET tags = coalesce((SELECT group_concat(tag, ' ') FROM event_tags WHERE event_id = old.event_id), '')
    WHERE rowid = old.event_id;
END;

-- Remote events on the home page: those shared by actors someone here follows.
CREATE INDEX shares_actor ON shares (actor_id);

-- A picture copied from another server remembers where it came from, so an
-- actor refreshed every two days is not downloaded again each time.
ALTER TABLE media ADD COLUMN source_url TEXT;
