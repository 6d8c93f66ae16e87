// hearthd stopped by SIGTERM at any moment of its start exits cleanly. A connect still under way
// used to make Paho throw from stop() (MQTTAsync_setCallbacks refuses while connecting), and
// hearthd aborted in 7 of 10 tries when the signal came 50-150 ms after start.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "support/e2e_helpers.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

TEST(ShutdownE2E, SigtermDuringStartExitsCleanly) {
  HEARTH_REQUIRE_MOSQUITTO();
  TempDir dir;
  MosquittoBroker broker(dir.path().string());
  ASSERT_TRUE(broker.start()) << read_file(dir.file("mosquitto.log"));
  std::ofstream(dir.file("hearth.yaml")) << "home_id: shutdown\nmqtt:\n  url: " << broker.url()
                                         << "\nstore:\n  path: " << dir.file("hearth.db")
                                         << "\nhttp:\n  address: 127.0.0.1\n  port: " << free_port()
                                         << "\n  api_token: shutdown-token-0123456789abcdef0123\n";
  // Different moments of the start: before, during and after the MQTT connect.
  for (const auto delay : {20ms, 50ms, 80ms, 110ms, 150ms, 250ms}) {
    Process hearthd({HEARTHD_PATH, "--config", dir.file("hearth.yaml")}, dir.file("hearthd.log"));
    std::this_thread::sleep_for(delay);
    const auto status = hearthd.stop(SIGTERM, 30s);
    ASSERT_TRUE(status.has_value()) << "did not stop; " << read_file(dir.file("hearthd.log"));
    EXPECT_EQ(*status, 0) << "signalled " << delay.count() << " ms after start\n" << read_file(dir.file("hearthd.log"));
  }
  broker.stop();
}

}  // namespace
