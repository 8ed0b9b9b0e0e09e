/**
 * What Slack's client does to a slash command's text before the app sees it, for a command declared with
 * `should_escape: true` (as manifest.yml declares `/accesskey`): `&`, `<` and `>` become entities, and a
 * typed `@person` or `#channel` that names someone or something in the workspace becomes an escaped
 * mention (`<@U…|handle>`, `<#C…|name>`). Without this, `/accesskey admin grant @Cleo` typed on the page
 * would reach the app as plain text, and the app (rightly) asks for a mention.
 */
export interface Directory {
  people: ReadonlyArray<{ id: string; name: string; realName: string }>;
  channels: ReadonlyArray<{ id: string; name: string }>;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** `@handle` or `#name` at the start of the text or after whitespace or `(`; handles are letters, digits, `.`, `_`, `-`. */
const REFERENCE = /(^|[\s(])([@#])([\p{L}\p{N}._-]+)/gu;

export function escapeCommandText(text: string, directory: Directory): string {
  const escaped = text.replace(/[&<>]/g, (char) => ENTITIES[char] ?? char);
  return escaped.replace(REFERENCE, (whole, before: string, sigil: string, word: string) => {
    const wanted = word.toLowerCase();
    if (sigil === '@') {
      const person = directory.people.find((p) => p.name.toLowerCase() === wanted || p.realName.toLowerCase() === wanted);
      return person === undefined ? whole : `${before}<@${person.id}|${person.name}>`;
    }
    const channel = directory.channels.find((c) => c.name.toLowerCase() === wanted);
    return channel === undefined ? whole : `${before}<#${channel.id}|${channel.name}>`;
  });
}
