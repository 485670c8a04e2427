#!/usr/bin/python3
"""Brian2 2.5.1 cpp_standalone (1 thread) benchmark of the COBA network.

    /usr/bin/python3 bench/brian2_coba.py [--n 4000] [--json out.json]

COBA Vogels-Abbott network (same model as tests/python/brian2_reference.py)
with 80 recurrent inputs per neuron: p = 80 / N, 1 s biological time,
dt = 0.1 ms, the reference's default ignition stimulus.  Without --n it runs
N = 4000, 64000 and 256000, each in a fresh child process (one standalone
project each, built in a temporary directory that is deleted afterwards
unless --keep).  Prints one JSON object per N (or a list with --json).

Timings (seconds):
  codegen_compile_s  Python side: code generation + `make` (wall clock).
  setup_s            binary wall time outside the run loops: synapse
                     creation, initialisation, writing results.
  build_s            codegen_compile_s + setup_s.
  simulate_s         wall clock around all run() calls inside the binary
                     (std::chrono, inserted into main.cpp).
  brian_run_cpu_s    Brian2's own timing: Network::_last_run_time summed over
                     the run() calls.  In 2.5.1 without OpenMP this is
                     std::clock() CPU time of the run loop, and Python only
                     sees the last run() (device._last_run_time), hence the
                     sum done in main.cpp.
  binary_wall_s      wall time of the whole ./main process.
peak_rss_mb is ru_maxrss of ./main alone (a tiny wrapper is its only parent;
the compiler processes are not counted).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'python'))
SIZES = (4000, 64000, 256000)
K_IN = 80            # recurrent inputs per neuron: p = K_IN / N
T_STOP_MS = 1000.0

# Runs ./main, then writes its peak RSS (kB on Linux) next to Brian2's results.
RUSAGE_WRAPPER = ('import resource, subprocess, sys\n'
                  'rc = subprocess.call(sys.argv[1:])\n'
                  'r = resource.getrusage(resource.RUSAGE_CHILDREN)\n'
                  'open("results/bench_rusage.txt", "w").write(f"{r.ru_maxrss} {r.ru_utime} {r.ru_stime}\\n")\n'
                  'sys.exit(rc)\n')


def run_one(n, seed, stimulus, make_jobs, keep):
    import numpy as np
    import brian2 as b2
    from brian2 import ms
    import brian2_reference as ref

    workdir = tempfile.mkdtemp(prefix=f'brian2_coba_{n}_')
    b2.set_device('cpp_standalone', build_on_run=False, directory=workdir)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0          # 1 thread, no OpenMP
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f'-j{make_jobs}']
    b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, '-c', RUSAGE_WRAPPER, './main']
    b2.prefs.codegen.cpp.headers = ['<chrono>']
    dev = b2.get_device()

    t0 = time.perf_counter()
    objs = ref.build('coba', n, K_IN / n, seed, stimulus, record=False)
    net, T, dur = objs['net'], T_STOP_MS * ms, objs['stim_dur']
    dev.insert_code('main', 'auto _bench_t0 = std::chrono::steady_clock::now(); double _bench_cpu = 0.0;')
    if dur > 0 * ms:                      # stimulus on for the first `dur`, then off
        net.run(dur)
        dev.insert_code('main', '_bench_cpu += Network::_last_run_time;')
        for o in objs['stim_objs']:
            o.active = False
    net.run(T - dur)
    dev.insert_code('main', '_bench_cpu += Network::_last_run_time;\n'
                    '{ std::ofstream f("results/bench_timing.txt"); f.precision(9);\n'
                    '  f << std::chrono::duration<double>(std::chrono::steady_clock::now() - _bench_t0).count()'
                    ' << " " << _bench_cpu << std::endl; }')
    dev.build(directory=workdir, compile=True, run=False, with_output=False)
    t1 = time.perf_counter()
    dev.run(workdir, False, [])
    t2 = time.perf_counter()

    with open(os.path.join(workdir, 'results', 'bench_timing.txt')) as f:
        sim_wall, sim_cpu = map(float, f.read().split())
    with open(os.path.join(workdir, 'results', 'bench_rusage.txt')) as f:
        maxrss_kb, utime, stime = map(float, f.read().split())
    counts = np.asarray(objs['spikes'].count[:], dtype=np.int64)
    n_exc = objs['n_exc']
    outdeg = np.concatenate([np.bincount(objs['Ce'].i[:], minlength=n_exc),
                             np.bincount(objs['Ci'].i[:], minlength=n - n_exc)])
    events = int((counts * outdeg).sum())
    binary_wall = t2 - t1
    res = dict(simulator='brian2', brian2=b2.__version__, device='cpp_standalone', threads=1,
               model='coba', n=n, pconn=K_IN / n, k_in=K_IN, t_stop_ms=T_STOP_MS, dt_ms=0.1,
               seed=seed, stimulus=stimulus, method=ref.VARIANTS['coba']['method'],
               compile_args=b2.prefs.codegen.cpp.extra_compile_args_gcc,
               make_args=b2.prefs.devices.cpp_standalone.extra_make_args_unix,
               n_synapses=len(objs['Ce']) + len(objs['Ci']),
               n_spikes=int(counts.sum()),
               rate_exc_hz=float(counts[:n_exc].mean() / (T_STOP_MS / 1000)),
               rate_inh_hz=float(counts[n_exc:].mean() / (T_STOP_MS / 1000)),
               delivered_events=events,
               codegen_compile_s=t1 - t0,
               setup_s=binary_wall - sim_wall,
               build_s=(t1 - t0) + (binary_wall - sim_wall),
               simulate_s=sim_wall,
               brian_run_cpu_s=sim_cpu,
               brian_last_run_time_s=dev._last_run_time,
               binary_wall_s=binary_wall,
               binary_cpu_s=utime + stime,
               events_per_s=events / sim_wall,
               peak_rss_mb=maxrss_kb / 1024,
               build_dir=workdir)
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return res


def main(argv=None):
    import brian2_reference as ref
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, help=f'one size (default: all of {SIZES})')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--stimulus', default=ref.DEFAULT_STIMULUS, help='as in brian2_reference.py')
    ap.add_argument('--make-jobs', type=int, default=1, help='make -jN for the standalone build')
    ap.add_argument('--keep', action='store_true', help='keep the build directories')
    ap.add_argument('--json', help='write the list of results here')
    a = ap.parse_args(argv)
    results = []
    if a.n is not None:
        results.append(run_one(a.n, a.seed, a.stimulus, a.make_jobs, a.keep))
        print(json.dumps(results[-1]), flush=True)
    else:                        # one fresh process per size (one standalone device each)
        for n in SIZES:
            cmd = [sys.executable, os.path.abspath(__file__), '--n', str(n), '--seed', str(a.seed),
                   '--stimulus', a.stimulus, '--make-jobs', str(a.make_jobs)] + (['--keep'] if a.keep else [])
            out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(results, f, indent=1)
            f.write('\n')


if __name__ == '__main__':
    main()
