-- The original plan's success criterion: init runs
--   INSERT INTO mymod_foo VALUES (?)   with "x"
-- on every registry build (each cold start of an isolate). ON CONFLICT IGNORE
-- on the UNIQUE column makes that plain INSERT idempotent: a repeat is dropped
-- instead of failing init or piling up duplicate rows.
CREATE TABLE mymod_foo (
  value TEXT NOT NULL UNIQUE ON CONFLICT IGNORE
);
