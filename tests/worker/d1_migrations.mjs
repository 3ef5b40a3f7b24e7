export * from "../../testkit/d1_migrations.mjs";
