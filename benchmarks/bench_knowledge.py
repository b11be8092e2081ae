"""Benchmark the handbook: load time and answer latency, bundled and at 5,000 entries.

Run: python benchmarks/bench_knowledge.py
Targets: bundled handbook loads in <= 0.3 s; answer p99 <= 20 ms at 5,000 entries.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge import BUNDLED_HANDBOOK, Handbook, load_handbook  # noqa: E402

QUESTIONS = [
    "物业费怎么交", "物业费多少钱一平", "停车费多少钱", "装修押金什么时候退", "装修要办什么手续",
    "电梯困人怎么办", "服务中心几点下班", "快递放哪里", "how do I pay the management fee",
    "可以养狗吗", "垃圾几点收", "小区有游泳池吗", "今天天气怎么样", "家里水管漏水了找谁",
    "访客车辆怎么进小区", "装修时间有什么规定", "停水了怎么办", "物页费能用微信交吗",
    "where can I get my parcel", "业主大会什么时候开",
]

# Vocabulary for a generated handbook: varied topics, objects and aspects, so postings spread out.
PLACES = "一号楼 二号楼 三号楼 地下车库 东门 西门 南门 北门 会所 花园 儿童乐园 篮球场 网球场 健身区 活动室 图书室 "\
         "大堂 楼道 天台 架空层 商业街 幼儿园 垃圾站 配电房 水泵房 监控室 门岗 岗亭 广场 湖边".split()
THINGS = "电梯 门禁 灯 水管 车位 充电桩 快递柜 信报箱 摄像头 消防栓 灭火器 座椅 健身器材 滑梯 喷泉 绿篱 草坪 "\
         "树木 花坛 垃圾桶 道闸 对讲机 烟感 喷淋 水箱 井盖 排水沟 雨棚 扶手 台阶 路灯 监控 广告牌".split()
ASPECTS = "开放时间 收费标准 使用规定 预约方法 报修方式 保养周期 安全须知 申请流程 注意事项 投诉渠道 押金退还 "\
          "办理材料 负责部门 检查频次 清洁安排 损坏赔偿 临时关闭 节假日安排 夜间管理 新办流程".split()


def generate_handbook(folder: Path, entries: int, seed: int = 7) -> list[str]:
    """Write a handbook of `entries` entries over 50 files; return its titles."""
    rng = random.Random(seed)
    combos = [(p, t, a) for p in PLACES for t in THINGS for a in ASPECTS]
    rng.shuffle(combos)
    titles = []
    per_file = max(entries // 50, 1)
    for f in range(50):
        lines = [f"# 第{f + 1}章 设施与服务 {f + 1}", ""]
        for place, thing, aspect in combos[f * per_file:(f + 1) * per_file]:
            title = f"{place}{thing}{aspect}"
            titles.append(title)
            other = rng.sample(THINGS, 3)
            lines += [f"## {title}", f"别名: {place}的{thing}{aspect[:2]} | {thing}{aspect}",
                      f"标签: {thing}, {aspect[:2]}",
                      "", f"{place}的{thing}{aspect}按物业服务中心规定执行,涉及{'、'.join(other)}的事项请咨询前台。",
                      f"办理时间为工作日 8:30–17:30,费用 {rng.randint(1, 500)} 元。", ""]
        (folder / f"{f:02d}.md").write_text("\n".join(lines), encoding="utf-8")
    return titles


def latencies(handbook: Handbook, questions: list[str], rounds: int) -> list[float]:
    """Per-question answer times in milliseconds (the normalise cache is cleared each round)."""
    from knowledge.text import normalise

    out = []
    for _ in range(rounds):
        normalise.cache_clear()
        for question in questions:
            start = time.perf_counter()
            handbook.answer(question)
            out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    """Print load time and latency percentiles beside their targets."""
    from knowledge.text import normalise

    loads, cpu = [], []
    for _ in range(5):
        normalise.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        bundled = load_handbook(BUNDLED_HANDBOOK)
        loads.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average {load_average:.1f} on {os.cpu_count()} CPUs (timings are wall-clock)")
    print(f"bundled handbook: {len(bundled.entries)} entries")
    print(f"  load time median {statistics.median(loads):.3f} s   (target <= 0.3 s)"
          f"   [CPU time {statistics.median(cpu):.3f} s]")
    lat = latencies(bundled, QUESTIONS, rounds=20)
    print(f"  answer p50 {percentile(lat, 50):.2f} ms  p99 {percentile(lat, 99):.2f} ms"
          "   (target p99 <= 20 ms)")

    with tempfile.TemporaryDirectory() as tmp:
        titles = generate_handbook(Path(tmp), 5000)
        normalise.cache_clear()
        start = time.perf_counter()
        big = load_handbook(Path(tmp))
        big_load = time.perf_counter() - start
        rng = random.Random(11)
        questions = QUESTIONS + [t[: rng.randint(4, len(t))] for t in rng.sample(titles, 80)]
        lat = latencies(big, questions, rounds=5)
    print(f"generated handbook: {len(big.entries)} entries")
    print(f"  load time {big_load:.2f} s   (no target; reported)")
    print(f"  answer p50 {percentile(lat, 50):.2f} ms  p99 {percentile(lat, 99):.2f} ms"
          "   (target p99 <= 20 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
