import { validatePattern, ValidationScope } from "../core/validation";

/*
 * Checks shared by IngestApi and its routes, so a route can check its own props when it is
 * constructed, before it is added to an API.
 */

/** `/`-separated parts, each `[A-Za-z0-9._-]` or a `{variable}`. */
const RESOURCE_PATH = /^(\/([A-Za-z0-9._-]+|\{[A-Za-z0-9_]+\}))+$/;

/** Throws unless `path` is a resource path such as `/orders/{eventId}`. */
export function validateResourcePath(scope: ValidationScope, prop: string, path: string): void {
  validatePattern(scope, prop, path, RESOURCE_PATH, "/-separated parts of [A-Za-z0-9._-] or {name}");
}

/** Throws unless `name` is an API Gateway model name. */
export function validateModelName(scope: ValidationScope, prop: string, name: string): void {
  validatePattern(scope, prop, name, /^[A-Za-z0-9]{1,255}$/, "1–255 characters of [A-Za-z0-9]");
}

/** The `{name}` parameters of a path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
}

/** The path of a resource's parent: `""` (the API's root) for a top-level part. */
export function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** A resource's own part of its path, e.g. `{eventId}`. */
export function pathPart(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The first resource on `path` (itself or a parent) that would be a second `{variable}` child of
 * its parent, with the existing one beside it: API Gateway allows one per resource. Existing paths
 * include their parents.
 */
export function variableConflict(path: string, existingPaths: Iterable<string>): { path: string; existing: string } | undefined {
  const existing = [...existingPaths];
  const parts = path.split("/").slice(1);
  for (let depth = 1; depth <= parts.length; depth++) {
    const prefix = `/${parts.slice(0, depth).join("/")}`;
    if (!isVariable(pathPart(prefix))) continue;
    const beside = existing.find((other) => parentPath(other) === parentPath(prefix) && isVariable(pathPart(other)) && other !== prefix);
    if (beside) return { path: prefix, existing: beside };
  }
  return undefined;
}

function isVariable(part: string): boolean {
  return part.startsWith("{");
}
