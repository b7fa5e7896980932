/**
 * The one error a command line can have: what is wrong with it, in one line naming the option as
 * written (`-t/--timeout: "abc" is not a number of seconds`). The command answers exit code 2
 * and `see '… --help'`, whether argv normalising or decoding found it.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"

export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

export const usageError = (message: string): Either.Either<never, UsageError> => Either.left(new UsageError({ message }))
