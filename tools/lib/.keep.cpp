// Keeps miti_tools_lib non-empty before any tool logic exists.
