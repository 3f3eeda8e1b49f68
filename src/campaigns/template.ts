/**
 * Per-contact message templates: `{{name}}` and `{{anyVariable}}` (spaces inside the braces are
 * allowed). A placeholder with no value for the contact renders as an empty string, so one contact
 * missing a field never blocks the campaign; the docs say so.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,64})\s*\}\}/g;

export type TemplateVars = Record<string, string>;

export function hasPlaceholders(template: string | undefined): boolean {
  if (!template) return false;
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(template);
}

export function renderTemplate(template: string, vars: TemplateVars | undefined): string {
  return template.replace(PLACEHOLDER, (_m, key: string) => vars?.[key] ?? '');
}
