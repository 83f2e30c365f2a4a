import type { Command } from 'commander';
import type { GlobalOpts } from './run.js';

export function registerRegistryCommands(_program: Command, _globals: () => GlobalOpts): void {}
