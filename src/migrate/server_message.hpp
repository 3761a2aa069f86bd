#pragma once
// Reading libpq's error text. Pure.

#include "migrate/database.hpp"

#include <string>

namespace migrate {

// Fills `failure`'s message, detail and hint from a libpq error message
// ("ERROR:  ...\nDETAIL:  ...\nHINT:  ..."), dropping CONTEXT, QUERY and the
// "LINE n:" echo of the query text with its caret line (its numbers are
// relative to the batch sent, not to the user's file).
void parse_server_message(const std::string &text, StepFailure &failure);

// The first line of `text`, without trailing spaces or CR.
std::string first_line(const std::string &text);

} // namespace migrate
