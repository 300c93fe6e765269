-- What a person typed (Markdown) beside the sanitised HTML that is shown and
-- federated, so that editing starts from their own text.
ALTER TABLE actors ADD COLUMN summary_source TEXT NOT NULL DEFAULT '';
