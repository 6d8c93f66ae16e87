// End to end: a real Mosquitto on a free loopback port, the example device (C99 firmware on
// hearth_fw.h) and the hearth-fw-conformance binary, as CI runs it against hearth-sim's devices.
// Deliberately broken device modes must make the suite fail on the check that covers them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace {

using namespace hearth::test;
using namespace std::chrono_literals;

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

struct SuiteRun {
  std::optional<int> exit_status;
  std::string output;
};

class ConformanceE2E : public testing::Test {
 protected:
  void SetUp() override {
    if (mosquitto_path().empty()) {
      if (running_in_ci()) FAIL() << "mosquitto is required in CI (apt-get install mosquitto)";
      GTEST_SKIP() << "mosquitto not installed; skipping the conformance end-to-end tests";
    }
    broker_ = std::make_unique<MosquittoBroker>(dir_.path().string());
    ASSERT_TRUE(broker_->start()) << read_file(dir_.file("mosquitto.log"));
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "---- device log ----\n" << read_file(dir_.file("device.log")) << "---- end ----\n";
    device_ = Process();
    if (broker_) broker_->stop();
  }

  void start_device(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {HEARTH_FW_DEVICE_PATH, "--url", broker_->url(), "--id", "e2e-plug",
                                     "--interval-ms",       "500"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    device_ = Process(argv, dir_.file("device.log"));
  }

  SuiteRun run_suite(const std::string& timeout_s, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {
        HEARTH_FW_CONFORMANCE_PATH, "--url", broker_->url(), "--device", "e2e-plug", "--timeout", timeout_s};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const std::string log = dir_.file("conformance-" + std::to_string(++runs_) + ".log");
    Process suite(argv, log);
    SuiteRun r;
    r.exit_status = suite.wait(180s);
    r.output = read_file(log);
    return r;
  }

  std::string kill_device_cmd() { return "kill -9 " + std::to_string(device_.pid()); }

  static std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  Process device_;
  int runs_ = 0;
};

TEST_F(ConformanceE2E, TheExampleDeviceConforms) {
  start_device();
  const SuiteRun r = run_suite("20", {"--power-cut-cmd", kill_device_cmd()});
  ASSERT_TRUE(r.exit_status.has_value()) << "conformance suite did not finish\n" << r.output;
  EXPECT_EQ(*r.exit_status, 0) << r.output;
  EXPECT_EQ(count(r.output, "  PASS  "), 13U) << r.output;
  EXPECT_NE(r.output.find("CONFORMS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("last will publishes status \"offline\""), std::string::npos);
  EXPECT_FALSE(device_.running());  // the power cut really happened
}

TEST_F(ConformanceE2E, AlsoOverMqtt311AndWithoutSwitching) {
  start_device();
  const SuiteRun r = run_suite("20", {"--mqtt-version", "3", "--no-switch"});
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 0) << r.output;
  EXPECT_EQ(count(r.output, "  SKIP  switchable relay follows on/off commands"), 1U) << r.output;
  EXPECT_EQ(count(r.output, "  FAIL  "), 0U) << r.output;
}

TEST_F(ConformanceE2E, ADeviceThatSwitchesOffAnEssentialRelayFails) {
  start_device({"--break", "essential"});
  const SuiteRun r = run_suite("20");
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL  essential relay refuses \"off\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DOES NOT CONFORM"), std::string::npos);
}

TEST_F(ConformanceE2E, WrongUnitsAndRetainedReadingsFail) {
  start_device({"--break", "units"});
  SuiteRun r = run_suite("20");
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL  every message follows the contract"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("wrong_unit"), std::string::npos) << r.output;

  device_ = Process();
  start_device({"--break", "retain"});
  r = run_suite("20");
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL  no retained reading, ack, claim or command"), std::string::npos) << r.output;
}

TEST_F(ConformanceE2E, ADeviceWithoutALastWillFailsThePowerCut) {
  start_device({"--break", "no-will"});
  const SuiteRun r = run_suite("5", {"--power-cut-cmd", kill_device_cmd()});
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL  last will publishes status \"offline\""), std::string::npos) << r.output;
}

TEST_F(ConformanceE2E, NoDeviceOnTheBrokerFails) {
  const SuiteRun r = run_suite("2");
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL  describe is retained and valid"), std::string::npos) << r.output;
}

TEST_F(ConformanceE2E, NoBrokerIsAUsageError) {
  broker_->stop();
  const SuiteRun r = run_suite("2");
  ASSERT_TRUE(r.exit_status.has_value()) << r.output;
  EXPECT_EQ(*r.exit_status, 2) << r.output;
}

}  // namespace
