import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { cleanupSynthDirs } from "./helpers/synth";

setupJest();
afterAll(() => cleanupSynthDirs());
