// The project's workerd tests use the same test kit module authors use.
export * from "../../testkit/index.mjs";
