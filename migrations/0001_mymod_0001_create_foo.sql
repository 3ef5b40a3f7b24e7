-- miti-source: modules/mymod/migrations/0001_create_foo.sql
-- Retired: mymod is a test-only module (tests/modules/mymod), and its table
-- has no place in a bot's database. The file stays, as a no-op, so that
-- migration numbers and the names databases recorded never change.
SELECT 1;
