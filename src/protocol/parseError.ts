import * as ParseResult from "effect/ParseResult"

/** A Schema parse error as one line, `path: message; …`, for log lines and usage errors. */
export const formatParseError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ")
    .replace(/\s*\n\s*/g, " ")
