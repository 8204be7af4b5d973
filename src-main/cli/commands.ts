/** Subcommands beyond `sim` register here as they are built. */
export {};
