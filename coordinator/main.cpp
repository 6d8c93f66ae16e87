// hearth-coordinator: the co-op's side of the uplink (docs/uplink.md).
//   hearth-coordinator run    --config FILE [--instance NAME]
//   hearth-coordinator report --config FILE --coop ID [--home ID] [--responses | --steps]
//   hearth-coordinator ack    --config FILE --coop ID --home ID --alert ID --by NAME [--note TEXT]
//   hearth-coordinator attend --config FILE --coop ID --home ID --alert ID --by NAME [--note TEXT]
//   hearth-coordinator analytics --config FILE --coop ID --from DAY --to DAY [--by day|week|month] [--csv]
//   hearth-coordinator token  --name ACCOUNT
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <ctime>
#include <iostream>
#include <random>

#include "coordinator/api.h"
#include "coordinator/attended.h"
#include "coordinator/config.h"
#include "coordinator/coordinator_store.h"
#include "coordinator/service.h"
#include "core/time.h"

namespace {

using namespace hearth::coordinator;

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("hearth-coordinator");
  if (std::getenv("JOURNAL_STREAM") != nullptr)
    logger->set_pattern("<%L>%v");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

std::string utc(std::optional<std::int64_t> ms) {
  if (!ms) return "-";
  const std::time_t s = *ms / 1000;
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(*ms % 1000));
  return out;
}

std::string default_instance_id() {
  char host[64] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string id;
  for (const char* p = host; *p != '\0' && id.size() < 40; ++p) {
    const char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') id.push_back(c);
  }
  return (id.empty() ? std::string("host") : id) + "-" + std::to_string(::getpid());
}

int report(const CoordinatorConfig& config, const std::string& coop, const std::string& home, bool responses,
           bool steps) {
  if (!config.coops.contains(coop)) {
    std::cerr << "no co-op '" << coop << "' in " << config.source << "\n";
    return 2;
  }
  auto store = open_coordinator_store(config.store);
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  if (responses) {
    auto r = (*store)->response_summary(coop);
    if (!r) {
      std::cerr << r.error().message << "\n";
      return 1;
    }
    const auto share = [&](std::int64_t n) {
      if (r->alerts == 0) return std::string("-");
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(n) / static_cast<double>(r->alerts));
      return std::string(buf);
    };
    std::cout << "alerts\tacknowledged\twithin_60s\twithin_180s\n"
              << r->alerts << '\t' << r->acknowledged << '\t' << r->within_60s << " (" << share(r->within_60s) << ")\t"
              << r->within_180s << " (" << share(r->within_180s) << ")\n";
    // Attended: someone arrived at the home, within each escalation.notify.attend_within of the raising.
    auto all_alerts = (*store)->alerts(coop);
    auto all_steps = (*store)->escalation_steps(coop, "");
    if (!all_alerts || !all_steps) {
      std::cerr << (all_alerts ? all_steps.error().message : all_alerts.error().message) << "\n";
      return 1;
    }
    const auto a = attended_summary(*all_alerts, *all_steps, config.notify.attend_within);
    std::cout << "\nalerts\tattended";
    for (const auto& [t, n] : a.within)
      std::cout << "\tattended_within_" << std::chrono::duration_cast<std::chrono::minutes>(t).count() << "m";
    std::cout << '\n' << a.alerts << '\t' << a.attended;
    for (const auto& [t, n] : a.within) std::cout << '\t' << n << " (" << share(n) << ")";
    std::cout << '\n';
    return 0;
  }
  if (steps) {
    auto s = (*store)->escalation_steps(coop, home);
    if (!s) {
      std::cerr << s.error().message << "\n";
      return 1;
    }
    std::cout << "home\talert\traised\tstep\tkind\tperson\trole\tlanguage\tat\tchannel\tnote\n";
    for (const auto& e : *s) {
      std::cout << e.home_id << '\t' << e.alert_id << '\t' << utc(e.raised_ms) << '\t' << e.step << '\t' << e.kind
                << '\t' << (e.person_name.empty() ? "-" : e.person_name) << '\t' << (e.role.empty() ? "-" : e.role)
                << '\t'
                << (e.role.empty()       ? "-"
                    : e.language.empty() ? "en+cy"
                                         : e.language)
                << '\t' << utc(e.at_ms) << '\t' << (e.channel.empty() ? "-" : e.channel) << '\t'
                << (e.note.empty() ? "-" : e.note) << '\n';
    }
    return 0;
  }
  auto rows = (*store)->alerts(coop);  // one co-op at a time: co-ops never see each other's homes
  if (!rows) {
    std::cerr << rows.error().message << "\n";
    return 1;
  }
  std::cout
      << "home\talert\trule\tseverity\tstate\traised\treceived\tacknowledged\tacknowledged_by\tresolved\tevents\n";
  for (const auto& a : *rows) {
    if (!home.empty() && a.home_id != home) continue;
    std::cout << a.home_id << '\t' << a.alert_id << '\t' << a.rule << '\t' << a.severity << '\t' << a.state << '\t'
              << utc(a.raised_ms) << '\t' << utc(a.received_ms) << '\t' << utc(a.acknowledged_ms) << '\t'
              << (a.acknowledged_by.empty() ? "-" : a.acknowledged_by) << '\t' << utc(a.resolved_ms) << '\t' << a.events
              << '\n';
  }
  return 0;
}

int ack(const CoordinatorConfig& config, const OutgoingAck& a) {
  const auto it = config.coops.find(a.coop_id);
  if (it == config.coops.end() || !it->second.contains(a.home_id)) {
    std::cerr << "home '" << a.home_id << "' is not a gateway of co-op '" << a.coop_id << "'\n";
    return 2;
  }
  auto store = open_coordinator_store(config.store);
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  auto known = (*store)->has_alert(a.coop_id, a.home_id, a.alert_id);
  if (!known || !*known) {
    std::cerr << "no alert '" << a.alert_id << "' from " << a.coop_id << "/" << a.home_id << "\n";
    return 2;
  }
  if (auto r = (*store)->queue_ack(a); !r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  std::cout << "acknowledgement queued; a running hearth-coordinator sends it to the home\n";
  return 0;
}

int attend(const CoordinatorConfig& config, const AttendRequest& r) {
  auto store = open_coordinator_store(config.store);
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  auto outcome = record_attendance(**store, config, r);
  if (!outcome) {
    std::cerr << outcome.error().message << "\n";
    return 1;
  }
  switch (*outcome) {
    case AttendOutcome::recorded:
      std::cout << "attended recorded for " << r.alert_id << " of " << r.coop_id << "/" << r.home_id << "\n";
      return 0;
    case AttendOutcome::unknown_home:
      std::cerr << "home '" << r.home_id << "' is not a gateway of co-op '" << r.coop_id << "'\n";
      return 2;
    case AttendOutcome::unknown_alert:
    case AttendOutcome::not_notified:
      std::cerr << "no alert '" << r.alert_id << "' from " << r.coop_id << "/" << r.home_id << "\n";
      return 2;
    case AttendOutcome::bad_request:
      break;
  }
  std::cerr << "--by must be 1-200 characters, --alert 1-200 and --note at most 2000\n";
  return 2;
}

int analytics(const CoordinatorConfig& config, const std::string& coop, const std::string& from, const std::string& to,
              const std::string& by, bool csv) {
  if (!config.coops.contains(coop)) {
    std::cerr << "no co-op '" << coop << "' in " << config.source << "\n";
    return 2;
  }
  auto store = open_coordinator_store(config.store);
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  // The same k-anonymous figures as the analyst API: whoever runs this sees no more than an analyst.
  auto report = coop_analytics(**store, config.analytics, coop, from, to, by);
  if (!report) {
    std::cerr << report.error().message << "\n";
    return 2;
  }
  std::cout << (csv ? report_to_csv(*report) : report_to_json(*report) + "\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"hearth-coordinator - the co-op's side of the Hearth uplink"};
  cli.require_subcommand(1);
  std::string config_path = "/etc/hearth-coordinator/coordinator.yaml";
  std::string instance, log_level;
  auto* run_cmd = cli.add_subcommand("run", "receive from gateways and send acknowledgements (the service)");
  run_cmd->add_option("--instance", instance, "instance id (unique per running instance)");
  run_cmd->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  std::string coop, home;
  auto* report_cmd = cli.add_subcommand("report", "alerts of one co-op with raised/received/acknowledged times");
  report_cmd->add_option("--coop", coop, "co-op id")->required();
  report_cmd->add_option("--home", home, "only this home (gateway id)");
  bool responses = false, steps = false;
  report_cmd->add_flag("--responses", responses,
                       "share of alerts acknowledged within 60 s and 180 s, and attended within attend_within");
  report_cmd->add_flag("--steps", steps, "every escalation step with its time");
  OutgoingAck a;
  auto* ack_cmd = cli.add_subcommand("ack", "acknowledge an alert; the home's TV shows that it has been seen");
  ack_cmd->add_option("--coop", a.coop_id, "co-op id")->required();
  ack_cmd->add_option("--home", a.home_id, "home (gateway id)")->required();
  ack_cmd->add_option("--alert", a.alert_id, "alert id")->required();
  ack_cmd->add_option("--by", a.by, "who acknowledges (shown at the home)")->required();
  ack_cmd->add_option("--note", a.note, "a note for the home");
  AttendRequest at;
  auto* attend_cmd = cli.add_subcommand("attend", "record that someone arrived at the home for an alert");
  attend_cmd->add_option("--coop", at.coop_id, "co-op id")->required();
  attend_cmd->add_option("--home", at.home_id, "home (gateway id)")->required();
  attend_cmd->add_option("--alert", at.alert_id, "alert id")->required();
  attend_cmd->add_option("--by", at.by, "who arrived (shown in reports)")->required();
  attend_cmd->add_option("--note", at.note, "a note for the record");
  std::string from, to, by = "day";
  bool csv = false;
  auto* analytics_cmd =
      cli.add_subcommand("analytics", "k-anonymous savings and fuel-poverty figures of one co-op by period");
  analytics_cmd->add_option("--coop", coop, "co-op id")->required();
  analytics_cmd->add_option("--from", from, "first day, YYYY-MM-DD")->required();
  analytics_cmd->add_option("--to", to, "last day, YYYY-MM-DD")->required();
  analytics_cmd->add_option("--by", by, "day, week or month");
  analytics_cmd->add_flag("--csv", csv, "CSV instead of JSON");
  std::string account_name;
  auto* token_cmd = cli.add_subcommand("token", "make an API bearer token and the argon2id hash for the config");
  token_cmd->add_option("--name", account_name, "account name (accounts[].name)")->required();
  for (auto* sub : {run_cmd, report_cmd, ack_cmd, attend_cmd, analytics_cmd})
    sub->add_option("--config", config_path, "YAML config file");
  cli.set_version_flag("--version", "hearth-coordinator 0.1.0");
  CLI11_PARSE(cli, argc, argv);

  setup_logging("info");
  if (*token_cmd) {
    auto t = make_api_token(account_name);
    if (!t) {
      std::cerr << t.error().message << "\n";
      return 1;
    }
    std::cout << "token (give it to the account holder; it is not stored): " << t->token << "\n"
              << "token_hash (accounts[].token_hash in the config): '" << t->hash << "'\n";
    return 0;
  }
  auto config = load_coordinator_config(config_path);
  if (!config) {
    spdlog::critical("{}", config.error().message);
    return 2;
  }
  if (*run_cmd) {
    if (!instance.empty()) config->instance_id = instance;
    if (config->instance_id.empty()) config->instance_id = default_instance_id();
    spdlog::set_level(spdlog::level::from_str(log_level.empty() ? config->log_level : log_level));
    Service service(std::move(*config));
    return service.run();
  }
  if (*report_cmd) return report(*config, coop, home, responses, steps);
  if (*analytics_cmd) return analytics(*config, coop, from, to, by, csv);
  if (*attend_cmd) {
    at.channel = "cli";
    at.at_ms = hearth::core::to_epoch_ms(hearth::core::now_ms());
    return attend(*config, at);
  }
  if (a.by.empty() || a.by.size() > 200 || a.note.size() > 2000) {
    std::cerr << "--by must be 1-200 characters and --note at most 2000\n";
    return 2;
  }
  a.created_ms = hearth::core::to_epoch_ms(hearth::core::now_ms());
  return ack(*config, a);
}
