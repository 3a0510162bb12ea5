// mgd-hardware: free-running Verilator harness of the trainer.
// A template: mgd.sim.verilator_harness fills its dollar-sign fields from the trainer's signature
// (mgd.rtl.trainer_interfaces), so the runtime registers are not spelled here.
#include <chrono>
#include <cinttypes>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "verilated.h"
#include "Vmgd_harness.h"

// the runtime registers (in this order on the command line), then the run's parameters
static const char* NAMES[] = {${register_names}, "n_params", "theta_width", "sample_every", "cycle_limit"};
enum { N_REGISTERS = ${n_registers}, PHASE_BEGIN = ${phase_begin}, PHASE_DONE = ${phase_done} };

static inline void tick(Vmgd_harness* top) {
    top->clk = 1;
    top->eval();
    top->clk = 0;
    top->eval();
}

int main(int argc, char** argv) {
    const int n_args = sizeof(NAMES) / sizeof(NAMES[0]);
    if (argc != n_args + 1) {
        fprintf(stderr, "usage: %s", argv[0]);
        for (int i = 0; i < n_args; i++) fprintf(stderr, " %s", NAMES[i]);
        fprintf(stderr, "\n");
        return 2;
    }
    uint64_t a[n_args];
    for (int i = 0; i < n_args; i++) {
        char* end;
        a[i] = strtoull(argv[i + 1], &end, 10);
        if (*end || end == argv[i + 1]) {
            fprintf(stderr, "bad %s: %s\n", NAMES[i], argv[i + 1]);
            return 2;
        }
    }
    const uint64_t n_params = a[N_REGISTERS], width = a[N_REGISTERS + 1], every = a[N_REGISTERS + 2],
                   limit = a[N_REGISTERS + 3];
    if (every == 0 || width == 0 || width > 64) {
        fprintf(stderr, "bad sample_every or theta_width\n");
        return 2;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    auto ctx = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<Vmgd_harness>(ctx.get(), "top");
    std::vector<int64_t> theta(n_params);
    const uint64_t sign = 1ull << (width - 1), mask = (width >= 64) ? ~0ull : (1ull << width) - 1;

    // set-up cycle (not counted): the wrapper's register file takes the runtime registers; the trainer idles
    top->clk = 0;
    top->start = 0;
    top->read_addr = 0;
    top->cfg_we = 1;
${set_registers}
    top->eval();
    tick(top.get());
    top->cfg_we = 0;

    auto clock = std::chrono::steady_clock::now;
    const auto t0 = clock();
    const std::clock_t cpu0 = std::clock();
    auto last_print = t0;
    top->start = 1;   // cycle 0: the start pulse
    top->eval();

    uint64_t cycles = 0;
    int64_t last_sampled = -1;
    bool finished = false;
    for (uint64_t cycle = 0; cycle < limit; cycle++) {
        const uint32_t phase = top->phase;
        const bool done = top->done;
        if (${sampled_phases}) {
            const int64_t step = top->step;
            if (step != last_sampled && (step % every == 0 || phase == PHASE_DONE)) {
                for (uint64_t i = 0; i < n_params; i++) {   // read_theta is combinational
                    top->read_addr = i;
                    top->eval();
                    const uint64_t v = (uint64_t)top->read_theta & mask;
                    theta[i] = (int64_t)((v ^ sign) - sign);
                }
                printf("S %" PRId64 " %" PRIu64, step, cycle);
                for (uint64_t i = 0; i < n_params; i++) printf(" %" PRId64, theta[i]);
                printf("\n");
                last_sampled = step;
            }
        }
        top->clk = 1;
        top->eval();
        top->clk = 0;
        if (cycle == 0) top->start = 0;
        top->eval();
        cycles = cycle + 1;
        if (done && cycle > 0) {
            finished = true;
            break;
        }
        if ((cycle & 0xffff) == 0) {
            const auto now = clock();
            if (std::chrono::duration<double>(now - last_print).count() > 0.25) {
                printf("P %" PRIu32 " %" PRIu64 "\n", (uint32_t)top->step, cycles);
                fflush(stdout);
                last_print = now;
            }
        }
    }
    const double wall = std::chrono::duration<double>(clock() - t0).count();
    const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
    top->final();
    if (!finished) {
        printf("E no done within %" PRIu64 " cycles\n", limit);
        fflush(stdout);
        return 3;
    }
    printf("D %" PRIu64 " %.6f %.6f\n", cycles, wall, cpu);
    fflush(stdout);
    return 0;
}
