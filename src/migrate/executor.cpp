#include "migrate/executor.hpp"

#include "migrate/lock.hpp"
#include "migrate/prefetch.hpp"
#include "migrate/source.hpp"

#include <algorithm>
#include <csignal>
#include <exception>
#include <map>
#include <random>
#include <thread>

namespace migrate {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

const char *signal_name(int signal) {
  return signal == SIGINT ? "SIGINT" : "SIGTERM";
}

bool is_retryable(const StepFailure &failure) {
  return failure.sqlstate == "55P03" || failure.sqlstate == "40P01";
}

std::string describe_failure(const PreparedStep &prepared, std::size_t line,
                             const StepFailure &failure) {
  std::string where = prepared.file.string();
  if (line > 0) {
    where += ":" + std::to_string(line);
  } else if (failure.phase == FailurePhase::history) {
    where += " (while recording it in the history table)";
  } else if (failure.phase == FailurePhase::commit) {
    where += " (at COMMIT, e.g. a deferred constraint)";
  }
  std::string message =
      prepared.step.migration.id() + " failed at " + where + ": " + failure.message;
  if (!failure.sqlstate.empty()) {
    message += " (SQLSTATE " + failure.sqlstate + ")";
  }
  return message;
}

const Migration *find(const std::vector<Migration> &disk, Version version) {
  for (const auto &m : disk) {
    if (m.version == version) {
      return &m;
    }
  }
  return nullptr;
}

// Explains a migration that stopped half-way, and what to do about it.
std::string stopped_message(Database &db, const std::vector<Migration> &disk,
                            const AppliedMigration &row) {
  const bool up = row.state == RowState::applying;
  // A half-done row under another session's migration lock is a run still going (a long
  // CREATE INDEX CONCURRENTLY, say), which no one should clean up or repair.
  std::optional<LockHolder> holder;
  try {
    holder = db.lock_holder();
  } catch (const Error &) {
    // Not knowing only costs the hint.
  }
  if (holder) {
    return format_version(row.version) + "_" + row.name + " is being " +
           (up ? "applied" : "reverted") + " right now by another migrate (" +
           describe_holder(*holder) + "): " + std::to_string(row.progress) +
           " statement(s) committed so far. Let it finish, then run this again; do not clean up "
           "or repair it while it runs";
  }
  std::string message = format_version(row.version) + "_" + row.name + " stopped half-way while " +
                        (up ? "applying" : "reverting") + ": " + std::to_string(row.progress) +
                        " statement(s) committed";
  if (const Migration *m = find(disk, row.version)) {
    try {
      const auto prepared = prepare_step(Step{up ? Direction::up : Direction::down, *m}, {});
      if (row.progress < prepared.statements.size()) {
        message += "; it stopped at " + prepared.file.string() + ":" +
                   std::to_string(prepared.statements[row.progress].line);
      }
    } catch (const Error &) {
      // The file is gone or broken: the count above still says where it was.
    }
  }
  const auto invalid = db.invalid_indexes();
  if (!invalid.empty()) {
    message += "; INVALID indexes left behind: ";
    for (std::size_t i = 0; i < invalid.size(); ++i) {
      message += (i == 0 ? "" : ", ") + invalid[i];
    }
  }
  return message + ". Clean up what it left, then run `migrate " + (up ? "up" : "down") +
         " --resume` to continue from that statement, or settle it with `migrate repair " +
         format_version(row.version) + " --applied|--not-applied`";
}

class Runner {
public:
  Runner(Database &db, const RunOptions &options, Reporter &reporter)
      : m_db(db), m_options(options), m_reporter(reporter) {}

  RunResult &result() { return m_result; }

  // Cancelling is allowed only while a migration's own SQL runs, never
  // during the history writes around it.
  void arm(bool on) {
    if (m_options.interrupt != nullptr) {
      m_options.interrupt->set_canceller(on ? m_db.canceller() : std::function<void()>{});
    }
  }

  bool interrupted() const {
    return m_options.interrupt != nullptr && m_options.interrupt->requested();
  }

  // Throws Interrupted when a stop was requested; `when` says where the run
  // was, e.g. "between steps".
  void stop_if_interrupted(const char *when) const {
    if (m_options.interrupt != nullptr && m_options.interrupt->requested()) {
      m_options.interrupt->set_canceller({});
      throw Interrupted(m_options.interrupt->signal(),
                        std::string("interrupted by ") +
                            signal_name(m_options.interrupt->signal()) + " " + when,
                        m_result.done);
    }
  }

  // The COMMIT of a --single-transaction run failed: everything is gone.
  [[noreturn]] void fail_commit(const PreparedStep &last, const StepFailure &failure) {
    m_result.done.clear();
    fail(last, failure, false);
  }

  // Runs a transactional step; `meanwhile` is StepRequest::meanwhile.
  void run_transactional(const PreparedStep &prepared, std::function<void()> meanwhile) {
    StepRequest request;
    request.direction = prepared.step.direction;
    request.row = prepared.row();
    request.statements = prepared.statement_texts();
    request.timeouts = prepared.timeouts;
    request.own_transaction = !m_options.single_transaction;
    request.reset_session = prepared.changes_session;
    request.client = m_options.client;
    request.meanwhile = std::move(meanwhile);
    std::optional<std::mt19937> random; // seeded on the first retry: random_device is costly
    for (unsigned attempt = 1;; ++attempt) {
      for (std::size_t i = 0; i < request.statements.size(); ++i) {
        m_reporter.sending(prepared.step, prepared.file, prepared.statements[i].line,
                           request.statements[i]);
      }
      std::optional<StepFailure> failure;
      try {
        arm(true);
        failure = m_db.apply(request);
        arm(false);
      } catch (const ConnectionError &e) {
        arm(false);
        connection_lost(prepared, e);
      }
      if (!failure) {
        return;
      }
      if (m_options.single_transaction) {
        m_db.rollback();
        m_result.done.clear();
      }
      if (!interrupted() && !m_options.single_transaction && is_retryable(*failure) &&
          attempt <= m_options.lock_retries) {
        // Jittered exponential back-off: 0.5 s, 1 s, 2 s ... (x0.5-1.5), at most 30 s.
        const double base =
            std::min(30000.0, 500.0 * static_cast<double>(1u << std::min(attempt - 1, 6u)));
        if (!random) {
          random.emplace(std::random_device{}());
        }
        std::uniform_real_distribution<double> jitter(0.5, 1.5);
        const auto delay =
            std::chrono::milliseconds(static_cast<long long>(base * jitter(*random)));
        m_reporter.retrying(prepared.step, *failure, attempt, delay);
        const auto until = Clock::now() + delay;
        while (Clock::now() < until && !interrupted()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (interrupted()) {
          stop_if_interrupted(("during the retry back-off of " + prepared.step.migration.id() +
                               ", which was rolled back")
                                  .c_str());
        }
        continue;
      }
      fail(prepared, *failure, false);
    }
  }

  // Runs a no-transaction step's statements one by one from `start`, with
  // its history row marked applying/reverting until the end.
  void run_no_transaction(const PreparedStep &prepared, std::size_t start) {
    const Direction direction = prepared.step.direction;
    const auto texts = prepared.statement_texts();
    const auto begun = Clock::now();
    try {
      // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index even when
      // it is the first statement: compare before and after.
      const auto invalid_before = m_db.invalid_indexes();
      if (!prepared.resumed) {
        m_db.mark_running(direction, prepared.row());
      }
      m_db.set_session_timeouts(prepared.timeouts);
      for (std::size_t i = start; i < texts.size(); ++i) {
        if (m_options.interrupt != nullptr && m_options.interrupt->requested()) {
          m_options.interrupt->set_canceller({});
          throw Interrupted(m_options.interrupt->signal(),
                            std::string("interrupted by ") +
                                signal_name(m_options.interrupt->signal()) + "; " +
                                prepared.step.migration.id() + " stopped half-way (" +
                                std::to_string(i) + " statement(s) committed)",
                            m_result.done);
        }
        m_reporter.sending(prepared.step, prepared.file, prepared.statements[i].line, texts[i]);
        arm(true);
        auto failure = m_db.execute(texts[i]);
        arm(false);
        if (failure) {
          failure->statement = i;
          const bool nothing_done =
              !prepared.resumed && i == 0 && m_db.invalid_indexes() == invalid_before;
          if (nothing_done) {
            m_db.abandon_running(direction, prepared.step.migration.version,
                                 prepared.recorded_down);
          }
          fail(prepared, *failure, !nothing_done);
        }
        m_db.set_progress(prepared.step.migration.version, i + 1);
      }
      if (prepared.timeouts.lock_timeout || prepared.timeouts.statement_timeout ||
          prepared.changes_session) {
        m_db.reset_session();
      }
      m_db.finish_running(direction, prepared.row(), since(begun), m_options.client);
    } catch (const ConnectionError &e) {
      arm(false);
      throw ConnectionError(std::string(e.what()) + "; " + prepared.step.migration.id() +
                            " may have stopped half-way: the next run says where");
    }
  }

private:
  [[noreturn]] void fail(const PreparedStep &prepared, const StepFailure &failure, bool partial) {
    if (m_options.interrupt != nullptr) {
      // From here on nothing may be cancelled: the event and the unlock.
      m_options.interrupt->set_canceller({});
    }
    const std::size_t line = failure_line(prepared, failure);
    const std::string message = describe_failure(prepared, line, failure);
    Event event;
    event.kind = EventKind::fail;
    event.version = prepared.step.migration.version;
    event.name = prepared.step.migration.name;
    event.checksum = prepared.checksum.hex();
    event.client = m_options.client;
    event.sqlstate = failure.sqlstate;
    event.file = prepared.file.string();
    event.line = line;
    event.message = failure.message;
    try {
      m_db.record_event(event);
    } catch (const Error &) {
      // The failure itself is what matters; it is reported below.
    }
    if (m_options.interrupt != nullptr && m_options.interrupt->requested() &&
        failure.sqlstate == "57014") {
      throw Interrupted(m_options.interrupt->signal(),
                        std::string("interrupted by ") +
                            signal_name(m_options.interrupt->signal()) + "; " +
                            prepared.step.migration.id() +
                            (partial ? " stopped half-way" : " was cancelled and rolled back"),
                        m_result.done);
    }
    throw MigrationFailed(partial ? ExitCode::partial : ExitCode::migration_failed, message,
                          prepared.step, prepared.file, line, failure, m_result.done,
                          m_options.single_transaction);
  }

  // The connection broke while a step was in flight: find out on a new
  // connection whether it committed. Holding the migration lock there
  // proves the old session is gone, so the answer cannot change afterwards.
  [[noreturn]] void connection_lost(const PreparedStep &prepared, const ConnectionError &e) {
    std::string outcome = "; whether it committed is unknown: check with `migrate status`";
    if (m_options.single_transaction) {
      throw ConnectionError(std::string(e.what()) +
                            "; nothing of this run committed (it was one transaction)");
    }
    if (m_options.reconnect && !m_options.single_transaction) {
      for (int attempt = 0; attempt < 40; ++attempt) {
        try {
          auto fresh = m_options.reconnect();
          if (!acquire_lock(*fresh, std::chrono::seconds(10), nullptr,
                            [](const std::optional<LockHolder> &) {})) {
            break;
          }
          const auto rows = history_rows(*fresh, HistoryDetail::forward);
          fresh->unlock();
          const bool present =
              std::any_of(rows.begin(), rows.end(), [&](const AppliedMigration &row) {
                return row.version == prepared.step.migration.version;
              });
          const bool committed = (prepared.step.direction == Direction::up) == present;
          outcome = committed ? "; checked on a new connection: it committed"
                              : "; checked on a new connection: it did not commit, nothing of "
                                "it remains, and the next run will run it again";
          break;
        } catch (const ConnectionError &) {
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
        } catch (const Error &) {
          break;
        }
      }
    }
    throw ConnectionError(std::string(e.what()) + outcome);
  }

  Database &m_db;
  const RunOptions &m_options;
  Reporter &m_reporter;
  RunResult m_result;
};

// The half-done no-transaction migration of `row`, prepared to continue
// from where it stopped. Refuses when the command does not match its
// direction or its file changed since it started.
PreparedStep resumable(const std::vector<Migration> &disk, const AppliedMigration &row,
                       const RunOptions &options) {
  const Direction direction = row.state == RowState::applying ? Direction::up : Direction::down;
  const std::string id = format_version(row.version) + "_" + row.name;
  if (options.redo || direction != options.request.direction) {
    throw UsageError(id + " stopped half-way while " +
                     (direction == Direction::up ? "applying; resume it with `migrate up --resume`"
                                                 : "reverting; resume it with `migrate down "
                                                   "--resume`"));
  }
  const Migration *migration = find(disk, row.version);
  if (migration == nullptr) {
    throw HistoryError(id + " stopped half-way and its directory is gone; settle it with "
                            "`migrate repair`");
  }
  PreparedStep prepared = prepare_step(Step{direction, *migration}, options.timeouts);
  const Checksum now = direction == Direction::up ? prepared.checksum : migration->checksum;
  const Checksum now_down =
      direction == Direction::up ? prepared.down_checksum : prepared.file_checksum;
  // A revert recorded the down.sql it runs when it started (mark_running).
  if (now != row.checksum || (direction == Direction::down && now_down != row.down_checksum)) {
    const bool up_changed = now != row.checksum;
    const std::filesystem::path changed = up_changed ? migration->up_path() : prepared.file;
    throw HistoryError(changed.string() + " changed since " + id +
                       " started; cannot resume it safely (recorded sha256 " +
                       (up_changed ? row.checksum : row.down_checksum).hex() + ", now " +
                       (up_changed ? now : now_down).hex() +
                       "); undo the edit, or settle it with `migrate repair`");
  }
  if (prepared.transactional) {
    throw TreeError(prepared.file.string() +
                    ": no longer marked -- migrate:no-transaction; cannot resume it");
  }
  prepared.resume_from = row.progress;
  prepared.resumed = true;
  return prepared;
}

// The history as it will be once the resumed step is done, and the request
// with that step counted.
std::vector<AppliedMigration> after_resume(std::vector<AppliedMigration> history,
                                           const AppliedMigration &row, RunOptions &options) {
  auto it = std::find_if(history.begin(), history.end(),
                         [&](const AppliedMigration &r) { return r.version == row.version; });
  if (row.state == RowState::reverting) {
    history.erase(it);
  } else {
    it->state = RowState::applied;
  }
  auto &request = options.request;
  if (request.direction == Direction::down && !request.to) {
    request.count = request.count.value_or(1) - 1;
  } else if (request.count) {
    request.count = *request.count - 1;
  }
  return history;
}

// The down.sql checksum recorded for each step of `steps` that reverts a
// migration (empty for the others and for none recorded), in the order of
// `steps`.
std::vector<Checksum> recorded_downs(const std::vector<PlannedStep> &steps,
                                     const std::vector<Migration> &disk,
                                     const std::vector<AppliedMigration> &history) {
  std::vector<Checksum> recorded(steps.size());
  if (std::none_of(steps.begin(), steps.end(),
                   [](const PlannedStep &step) { return step.direction == Direction::down; })) {
    return recorded;
  }
  const auto rows = by_version(history);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].direction != Direction::down) {
      continue;
    }
    const Version version = disk[steps[i].index].version;
    auto it = std::lower_bound(
        rows.begin(), rows.end(), version,
        [](const AppliedMigration *row, Version wanted) { return row->version < wanted; });
    if (it != rows.end() && (*it)->version == version) {
      recorded[i] = (*it)->down_checksum;
    }
  }
  return recorded;
}

// Prepares every step of the run, a resumed one first, and hands each to
// `keep` once checked, with the number of steps still to come: everything is
// checked before anything runs. `history` is emptied once planned, `disk`
// once the steps are prepared (from there on a run holds only its steps: a
// few MB less at 10000 migrations). Returns the warnings about each down.sql
// to run that is not the one recorded when its migration was applied (its
// checksum from prepare_step: reverting reads no other down.sql than those it
// runs).
std::vector<std::string>
prepare_run(Database &db, std::vector<Migration> &disk, std::vector<AppliedMigration> &history,
            RunOptions options, const std::function<void(PreparedStep &&, std::size_t)> &keep) {
  // The history as planned: as read, or as it will be once a resumed step
  // is done (a copy only then).
  const std::vector<AppliedMigration> *planned = &history;
  std::vector<AppliedMigration> after;
  if (const auto *row = unfinished(history)) {
    if (!options.resume) {
      throw PartialError(stopped_message(db, disk, *row));
    }
    PreparedStep resumed = resumable(disk, *row, options);
    if (options.single_transaction) {
      // Its statements so far are committed and the rest must run outside a transaction
      // block: it cannot be part of an all-or-nothing run.
      throw TreeError(resumed.file.string() +
                      ": stopped half-way (-- migrate:no-transaction), so it cannot be resumed "
                      "inside --single-transaction; resume it on its own first (up --resume)");
    }
    keep(std::move(resumed), 0);
    after = after_resume(history, *row, options);
    planned = &after;
  }
  if (options.request.count && *options.request.count == 0) {
    return {};
  }
  // Planned as positions in the tree, the history let go of before the steps
  // copy their migrations: tree, history and steps are never held at once.
  const auto steps = options.redo ? plan_redo_positions(disk, *planned)
                                  : plan_positions(disk, *planned, options.request);
  const auto recorded = recorded_downs(steps, disk, *planned);
  std::vector<AppliedMigration>().swap(history);
  std::vector<AppliedMigration>().swap(after);
  std::vector<std::string> warnings;
  {
    // A cold tree's reads overlap (prefetch.hpp). It reads `disk`: the end of
    // this block stops it, before the tree is let go of.
    Prefetcher prefetch(disk, steps);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      prefetch.reached(i);
      PreparedStep prepared = prepare_step(to_step(disk, steps[i]), options.timeouts);
      if (options.single_transaction && !prepared.transactional) {
        throw TreeError(prepared.file.string() +
                        ": marked -- migrate:no-transaction, so it cannot run inside "
                        "--single-transaction");
      }
      if (prepared.step.direction == Direction::down) {
        prepared.recorded_down = recorded[i];
        if (auto warning = down_changed_warning(prepared.step.migration, recorded[i],
                                                prepared.file_checksum)) {
          warnings.push_back(std::move(*warning));
        }
      }
      if (prepared.statements.empty()) {
        // Most often a `migrate new` whose template was never filled in.
        warnings.push_back(
            prepared.file.string() + ": no statements, only comments or nothing; " +
            (prepared.step.direction == Direction::up
                 ? "it is recorded as applied all the same, and editing it later is a change "
                   "that up refuses"
                 : "reverting it only deletes the history row, and what up.sql made stays"));
      }
      keep(std::move(prepared), steps.size() - i - 1);
    }
  }
  std::vector<Migration>().swap(disk);
  return warnings;
}

// Whether an `up` has nothing to do, found out the cheap way: the history's
// digest, read without the lock or the read-only check, since it changes
// nothing. A committed history that holds every migration stays that way, so
// the answer cannot go stale; anything else (steps to run, a half-done
// migration, a refusal of the planner) is left to the locked path, which
// reads the rows and reports it. Only `up --to` reads the rows here too when
// the digests differ: its pending migrations may all be above the target.
// `first`: that read, when the caller made it.
bool nothing_to_do(Database &db, const std::vector<Migration> &disk, const RunOptions &options,
                   const std::optional<FirstRead> &first) {
  if (reverts(options)) {
    return false;
  }
  const auto digest = first ? first->digest : db.read_history_digest();
  if (digest && !digest->empty()) {
    if (all_applied(disk, *digest, options.request)) {
      return true;
    }
    if (!options.request.to) {
      return false;
    }
  }
  const auto history =
      digest ? history_rows(db, HistoryDetail::forward) : std::vector<AppliedMigration>{};
  if (unfinished(history) != nullptr) {
    return false;
  }
  try {
    if (!plan_positions(disk, history, options.request).empty()) {
      return false;
    }
  } catch (const Error &) {
    return false;
  }
  return true;
}

} // namespace

MigrationFailed::MigrationFailed(ExitCode code, const std::string &message, Step step,
                                 std::filesystem::path file, std::size_t line, StepFailure failure,
                                 std::vector<Step> done, bool all_rolled_back)
    : Error(code, message), m_step(std::move(step)), m_file(std::move(file)), m_line(line),
      m_failure(std::move(failure)), m_done(std::move(done)), m_all_rolled_back(all_rolled_back) {}

Interrupted::Interrupted(int signal, const std::string &message, std::vector<Step> done)
    : Error(signal == SIGINT ? ExitCode::interrupted_int : ExitCode::interrupted_term, message),
      m_done(std::move(done)) {}

std::vector<AppliedMigration> history_rows(Database &db, HistoryDetail detail) {
  return db.read_history(detail).value_or(std::vector<AppliedMigration>{});
}

std::vector<PreparedStep> preview(Database &db, std::vector<Migration> disk,
                                  const RunOptions &options, std::vector<std::string> *warnings) {
  auto history =
      history_rows(db, reverts(options) ? HistoryDetail::planning : HistoryDetail::forward);
  std::vector<PreparedStep> prepared;
  auto found =
      prepare_run(db, disk, history, options, [&prepared](PreparedStep &&step, std::size_t more) {
        prepared.reserve(prepared.size() + 1 + more);
        prepared.push_back(std::move(step));
      });
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), found.begin(), found.end());
  }
  return prepared;
}

namespace {

RunResult run_from(Database &db, std::vector<Migration> disk, const RunOptions &options,
                   Reporter &reporter, const std::optional<FirstRead> &first) {
  const auto start = Clock::now();
  if (nothing_to_do(db, disk, options, first)) {
    RunResult idle;
    idle.elapsed = since(start);
    return idle;
  }
  db.require_writable();
  Runner runner(db, options, reporter);
  const bool locked = acquire_lock(
      db, options.lock_wait, options.interrupt,
      [&reporter](const std::optional<LockHolder> &holder) { reporter.waiting_for_lock(holder); });
  if (!locked) {
    runner.stop_if_interrupted("while waiting for the migration lock; nothing ran");
  }
  LockGuard guard(db);
  // Read after the lock: another runner may have just finished.
  auto stored =
      db.read_history(reverts(options) ? HistoryDetail::planning : HistoryDetail::forward);
  const bool history_exists = stored.has_value();
  std::vector<AppliedMigration> history =
      stored ? std::move(*stored) : std::vector<AppliedMigration>{};
  // Each step's file is freed once checked; reload() reads it again just
  // before it runs.
  std::vector<CheckedStep> prepared;
  // The recorded down.sql checksum of each no-transaction revert, by
  // position, which abandoning it puts back (not kept for every step).
  std::map<std::size_t, Checksum> recorded_downs;
  const auto warnings =
      prepare_run(db, disk, history, options,
                  [&prepared, &recorded_downs](PreparedStep &&step, std::size_t more) {
                    if (!step.transactional && step.step.direction == Direction::down) {
                      recorded_downs.emplace(prepared.size(), step.recorded_down);
                    }
                    prepared.reserve(prepared.size() + 1 + more);
                    prepared.push_back(keep_checked(std::move(step)));
                  });
  for (const auto &warning : warnings) {
    reporter.warning(warning);
  }
  if (!prepared.empty() && !history_exists) {
    db.create_history();
  }
  if (options.single_transaction && !prepared.empty()) {
    db.begin();
  }
  RunResult &result = runner.result();
  result.done.reserve(prepared.size());
  PreparedStep current;
  // The next step's file, read again while the server runs a transactional
  // step (a file that changed is reported when that step's turn comes, as
  // when it is read then).
  std::optional<PreparedStep> next;
  std::exception_ptr next_error;
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    runner.stop_if_interrupted("between steps");
    if (next_error) {
      std::rethrow_exception(next_error);
    }
    current = next ? std::move(*next) : reload(prepared[i], options.timeouts);
    next.reset();
    if (const auto recorded = recorded_downs.find(i); recorded != recorded_downs.end()) {
      current.recorded_down = recorded->second;
    }
    reporter.step_started(current.step, i, prepared.size());
    const auto step_start = Clock::now();
    if (current.transactional) {
      runner.run_transactional(current, [&, i]() {
        if (i + 1 < prepared.size() && !next && !next_error) {
          try {
            next.emplace(reload(prepared[i + 1], options.timeouts));
          } catch (...) {
            next_error = std::current_exception();
          }
        }
      });
    } else {
      runner.run_no_transaction(current, current.resume_from);
    }
    reporter.step_done(current.step, since(step_start));
    result.done.push_back(std::move(prepared[i].step)); // not needed again
  }
  if (options.single_transaction && !prepared.empty()) {
    if (auto failure = db.commit()) {
      runner.fail_commit(current, *failure);
    }
  }
  result.elapsed = since(start);
  return std::move(result); // a reference into the runner: moved, not copied (MBs at N = 10000)
}

} // namespace

bool reverts(const RunOptions &options) {
  return options.redo || options.request.direction == Direction::down;
}

RunResult run(Database &db, std::vector<Migration> disk, const RunOptions &options,
              Reporter &reporter) {
  return run_from(db, std::move(disk), options, reporter, std::nullopt);
}

RunResult run(Database &db, std::vector<Migration> disk, const RunOptions &options,
              Reporter &reporter, const FirstRead &first) {
  return run_from(db, std::move(disk), options, reporter, first);
}

} // namespace migrate
