"""Demo content for `python manage.py seed_demo`: two users and a handful of original articles.

The Chinese articles are written in many short, plain sentences on purpose: the voice enrollment draws its
reading challenges from an author's published sentences of 8-30 Chinese characters without digits or links.
Numbers, dates, percentages, a code block, a link and a pinyin hint (重[chóng]新) appear here and there so that
the read-aloud pipeline meets them too.
"""

DEMO_AUTHOR = {
    "username": "demo",
    "password": "demo-pass-123",
    "first_name": "林晓",  # Lin Xiao
    "last_name": "",
    "email": "demo@example.com",
}

DEMO_ADMIN = {
    "username": "admin",
    "password": "admin-pass-123",
    "email": "admin@example.com",
}

READING_ALOUD_ZH = """\
小时候，我最怕的一件事是在课堂上被点名朗读。声音发紧，脸也发烫。眼睛明明盯着课本，却总觉得每个字都在往后退。后来很多年，\
我都以为朗读只是语文课上的一项任务，和背诵、默写排在一起，读完就可以忘掉。

直到前年冬天，我开始每天晚上给自己录一段音，才重[chóng]新认识了这件小事。

## 声音会替你检查文字

写完一篇文章，我现在一定会把它完整地读一遍，而且是读出声来。眼睛看稿子的时候，很容易被自己的意图骗过去。\
你知道自己想说什么，大脑就会自动补全那些缺失的连接。可是嘴巴不会撒谎。一句话如果太长，读到一半就会喘不过气。\
一个词如果用得别扭，舌头会在那里打个结。

我粗略统计过，去年写的四十多篇稿子里，大约有 60% 是在朗读时发现了问题。有的是重复的词语，有的是前后矛盾的时间，\
还有的是一句话里塞了三个“的”。这些毛病在屏幕上都很安静，一读出来就格外刺耳。

## 慢下来的阅读

朗读的速度大约只有默读的三分之一。这听起来像是一种浪费，其实恰恰是它的好处。慢下来以后，你会听见标点的呼吸。\
你会注意到句子的长短交替，也会发现作者在哪里停顿、在哪里加快。

> 书要读出声音来，才算真正走进了心里。好的文字不只是写给眼睛的，也是写给耳朵的。

这是我的一位老师常说的话。那时候我不太明白。现在每次把一段文字读顺了，我都会想起她说话时的样子。

## 我的朗读练习

如果你也想试一试，下面是我坚持了两年多的几个小习惯：

- 每天只读一页，不求多，但要读完整
- 先默读一遍，圈出拿不准读音的字
- 遇到多音字，查清楚再读，不要凭感觉
- 用手机录下来，第二天早上再听一遍
- 每个月挑一段最满意的录音，好好保存

最难坚持的是第四条。第一次听自己的录音，几乎没有人会喜欢。声音比想象中尖，语气比想象中平。停顿也总在奇怪的地方。\
但是听得多了，你会慢慢接受这个声音，甚至开始喜欢它。

后来，我也试着读给别人听。给邻居家的孩子读绘本，给住院的外公读报纸。孩子总是催我快一点，外公却总让我慢一点。\
同一段文字，读给不同的人，节奏就完全不一样。原来朗读从来不是一个人的事，它是一次小小的交谈。

## 声音是另一种签名

每个人读同一段文字，听起来都不一样。有人读得快，有人读得慢。有人喜欢在句尾轻轻往下落，有人习惯把重音放在动词上。\
这些细小的差别，组成了一个人独有的声音。

所以我一直觉得，作者亲自朗读自己的文章，是一件很珍贵的事。读者听到的不只是内容，还有写下这些字的那个人。\
如果哪天你在这里听到我的声音，希望它听起来不像播音员，而像一个朋友。他坐在你对面，慢慢地把一件事讲完。

2023年12月8日，我录下了第一段完整的朗读。今天再听，依然有很多不满意的地方。但我很庆幸那天晚上按下了录音键。
"""

CITY_MORNING_ZH = """\
2024年春天，我搬进了现在住的小区。这里离地铁站大约八百米，走路要十分钟。每天早上六点，我出门跑步，\
这座城市还没有完全醒来。

## 最早醒来的人

最先出现的总是环卫工人。扫帚划过地面的声音很有节奏，一下，又一下，像是在给街道梳头。接着是早餐店的卷帘门，\
哗啦一声拉上去，蒸笼里的白气马上涌了出来。

街角那家包子铺开了快二十年。老板姓周，每天凌晨四点半起床和面。他告诉我，一笼包子十二个，一个早上能卖出三百多笼。\
问他累不累，他笑着说早就习惯了。不蒸包子，他反而睡不着。

再晚一点，送牛奶的电动车从楼下经过，车筐里的玻璃瓶轻轻碰撞。菜市场门口，卖菜的阿姨正把青菜一捆一捆摆整齐，\
叶子上还带着水珠。她会抬头看看天，再决定今天要不要把遮阳伞撑开。

## 一座城市的两种节奏

地铁站的工作人员告诉我，早高峰从七点十五分开始，八点左右人最多。我坐过几次那个时段的地铁，车厢里几乎没有人说话。\
大家低着头看手机，或者闭着眼睛补觉。只有报站的声音一遍遍响起。

可是六点钟的城市完全不同。公交车上空空荡荡，司机会和熟悉的乘客打招呼。公园里练太极的老人动作很慢，\
好像时间在这里也放慢了脚步。遛狗的年轻人戴着耳机，偶尔停下来，让小狗在草地上多闻一会儿。

我们小区的业主群做过一次小调查，一百多位邻居里，只有不到 15% 的人习惯在六点以前起床。\
难怪我在清晨遇到的，总是那几张熟悉的脸。

## 我记下的声音

去年三月，我开始在跑步时用手机录下路上的声音。一年下来，攒了两百多段。整理的时候，我把它们分成了四类：

1. 劳动的声音：扫地、卸货、炸油条、自行车链条转动
2. 自然的声音：鸟叫、风吹过梧桐树、雨落在雨棚上
3. 人的声音：互相问早、讨价还价、小孩背课文
4. 机器的声音：第一班公交车进站、洒水车的音乐

其中我最喜欢的，是一个小男孩在公交站背古诗。他背得磕磕绊绊，旁边的奶奶一句一句地提醒他。那段录音只有四十秒，\
我却听了很多遍。

> 城市的早晨不属于匆忙，它属于那些愿意早起的人。

## 慢一点也没关系

我们常说城市生活太快了。快的是通勤，是会议，是手机上不停弹出的消息。但如果愿意早起一个小时，\
你会发现城市还有另一副面孔。它安静、温和，带着一点烟火气。

2025年1月1日那天，我照例六点出门。街上比平时更安静，连包子铺都晚开了半个小时。周老板一边摆蒸笼一边说，\
新年第一天，大家都多睡一会儿吧。我站在门口等第一笼包子出锅，忽然明白了自己为什么喜欢这座城市。

它并不完美，房租很贵，通勤很累，冬天的风也很硬。可是在每个清晨，总有人早早地把灯点亮，把炉火烧旺，\
把街道扫干净。正是这些安静的人，让一座城市每天都能重新开始。
"""

TEA_ZH = """\
我真正开始喝茶，是在工作以后的第三年。那时候经常加班，咖啡喝多了心慌。一位同事递给我一杯热茶，说换换口味吧。\
茶汤很清，香气却很足。从那以后，我的办公桌上就多了一只小小的茶壶。

## 先认识几种茶

中国茶的分类方法有很多种，最常见的是按照加工工艺，分成六大类：

- 绿茶：不发酵，清香鲜爽，比如龙井和碧螺春
- 白茶：轻微发酵，味道清甜，适合慢慢存放
- 黄茶：多了一道闷黄的工序，口感更加醇和
- 乌龙茶：半发酵，香气的变化最丰富
- 红茶：全发酵，汤色红亮，也适合加奶
- 黑茶：后发酵，存放得越久越有味道

刚开始喝茶的人，不必急着把每一种都弄明白。找到一两种自己喜欢的，先喝上一段时间。舌头自然会告诉你更多。

我自己最常喝的是乌龙茶。它的香气很有层次，有的像兰花，有的像熟透的水果，还有的带着一点炭火的味道。\
同一泡茶，第一口和第五口喝起来也不一样。这种慢慢展开的变化，让人很愿意多坐一会儿。

## 水温和时间

泡茶最重要的两件事，是水温和时间。绿茶娇嫩，水温大约 80 度就够了。水太烫会把茶叶烫熟，喝起来发苦。\
乌龙茶和黑茶则需要接近沸腾的水，才能把香气完全激发出来。

我用功夫茶的方法泡乌龙，每一泡的时间都不一样。第一泡十五秒左右，之后每泡增加五到十秒。\
一泡好的铁观音，通常可以泡七次以上。

作为一个写程序的人，我后来干脆写了一个计时的小脚本，放在电脑上提醒自己：

```python
import time

steeps = [15, 20, 25, 35, 45, 60, 90]  # 每一泡的秒数

for number, seconds in enumerate(steeps, start=1):
    input(f"第 {number} 泡，准备好后按回车")
    time.sleep(seconds)
    print("\\a出汤！")
```

这个脚本只有几行，用的都是 [Python](https://www.python.org/) 自带的模块。它不够优雅，却很实用。\
同事们看到后都笑我，说泡茶本来是为了放松，怎么又被程序管起来了。

## 茶桌上的对话

> 茶要慢慢喝，话要慢慢说。

这是我外婆的口头禅。她家的茶桌是一张旧木桌，桌面上有很多细小的划痕。小时候每到周末，亲戚们都会围坐在那里，\
一边喝茶一边聊天。大人们说的话我大多听不懂，但我记得那种安静又热闹的气氛。

现在回想起来，茶桌上真正重要的，也许从来不是茶。它给了大家一个坐下来的理由。忙碌的人停下手里的事，\
看着彼此说几句话。

## 一个人的茶

我们部门有二十个人，差不多 70% 的同事每天都会泡茶。不过对我来说，茶更像是一种私人的仪式。

每天下午三点，我会给自己泡一壶茶。烧水，温杯，投茶，注水，等待。整个过程不过几分钟，\
却足够让脑子从一堆代码和邮件里退出来。看着茶叶在水里慢慢舒展，我总觉得时间也跟着慢了下来。

有朋友问我，喝茶有什么讲究。我想了想，说其实没有太多讲究。水要干净，心要安静，茶叶不必太贵。\
剩下的，就交给那几分钟的等待吧。
"""

BUILDING_READALOUD_MIXED = """\
去年秋天，我决定给自己的博客加一个“听文章”的功能。市面上的 TTS 服务不少，可是声音都太像播音员了。\
我想要的，是读者能听到作者本人的声音。于是就有了 readaloud 这个 open source 项目。

## 为什么选择 Django

我的博客本来就是用 Django 写的，所以插件也自然做成了一个 Django app。Django 的 signal 机制很适合这种场景。\
文章发布的时候，宿主网站发出一个 signal，插件收到以后再去生成音频。两边不用知道对方太多细节，耦合度很低。

另一个好处是 Django admin。开发阶段，我几乎所有的调试都在 admin 里完成，省去了很多写页面的时间。

## 实时进度靠 WebSocket

生成一篇三千字文章的音频，大概需要一两分钟。如果页面一直在转圈，读者肯定会失去耐心。\
所以我用 Django Channels 加了一个 WebSocket 连接。服务器每合成完一段，就把进度推送给浏览器。

这里有一个容易踩的坑：WebSocket 的消息不适合传大文件。音频数据应该先存进 storage，再通过普通的 HTTP 请求读取。\
WebSocket 只负责传递“第几段已经好了”这样的小通知。

## 声音要先征得同意

做声音克隆，最重要的不是技术，而是 consent。用户必须明确同意，还要亲口读出系统随机挑选的句子。\
这样才能证明录音的人就是账号的主人。这些句子直接取自作者已经发布的文章，既自然，又很难提前伪造。

我们在设计时定了几条原则：

- 声音数据只属于作者本人，随时可以删除
- 录音文件不对外提供任何公开链接
- 每一段生成的音频都带有听不见的 watermark
- 所有模型都在本地运行，不依赖云端 API

## 关于 open source

项目开源以后，陆续收到了不少 issue 和 pull request。有人帮忙改进了中文分句，有人补充了英文文档。\
还有一位同学专门测试了各种浏览器的录音兼容性，写了一份很长的报告。

> 一个人可以走得很快，一群人才能走得很远。

开源最让我感动的，是素不相识的人之间的这份信任。如果你也对这个项目感兴趣，欢迎来提 issue。\
哪怕只是改一个错别字，也是很好的开始。
"""

READING_TO_STRANGERS_EN = """\
Every Thursday evening for the past three years, I have read aloud to a small group of strangers at the public \
library two streets from my apartment. The program started in March 2022 as an experiment. A librarian taped a \
sign to the door that said "Stories for grown-ups, 7 p.m." and waited to see who would come. The first week, four \
people showed up. Last month, we counted twenty-six.

I am not a trained actor, and my voice is nothing special. I mispronounce names, I lose my place, and I have a \
habit of speeding up when a scene gets exciting. None of that seems to matter. What people come for, I think, is \
the simple experience of being read to, something most of us lost somewhere around the age of eight.

## Listening is a different kind of reading

When you read silently, you control the pace. You skim the dull parts, reread a line you love, and peek ahead to \
see how a chapter ends. Listening takes that control away. You have to trust the reader, and you have to trust the \
text. The sentences arrive one at a time, at the speed of breath.

That loss of control turns out to be a gift. Several regulars have told me they notice things in a story that they \
would have missed on the page: a repeated word, a change in rhythm, a line of dialogue that sounds kinder or crueler \
out loud than it looked in print. One retired teacher said it felt like reading with someone holding your hand.

## What reading aloud taught me about writing

I also write, mostly essays and the occasional short story, and reading to an audience has changed how I work. \
Now every draft gets read aloud before I call it finished. If I run out of breath in the middle of a sentence, the \
sentence is too long. If I stumble over a phrase twice, the phrase is wrong. If I feel bored reading a paragraph, \
the listener will feel bored hearing it.

Here is the checklist I use:

- Read the whole piece in one sitting, without stopping to fix anything.
- Mark every place where you hesitate, stumble, or lose interest.
- Fix the marks, then read the piece again the next day.
- Record the final version and listen to it on a walk.

The last step is the hardest. Very few people enjoy hearing their own recorded voice. But after a few weeks the \
discomfort fades, and what remains is a surprisingly honest editor.

## Your own voice

> A voice is a fingerprint you can hear.

I wrote that line in my notebook after a listener told me she could pick out my reading from a dozen recordings. \
At first it embarrassed me. Later it made me think about how much of a writer lives in the way they would say their \
own words: where they pause, which words they lean on, how their sentences fall at the end.

That is why I like the idea of authors reading their own work, even when they are not polished performers. A \
professional narrator can make a book sound beautiful. Only the author can make it sound like the person who wrote \
it.

If you have never tried it, pick a page you wrote recently and read it out loud tonight. Read slowly. Listen for \
the places where your voice and your sentences disagree. Then go back and make them agree.
"""

OPEN_SOURCE_EN = """\
I published my first open source library on a rainy Sunday in April 2019. It was about 300 lines of Python that \
turned dates written out in words, like "the seventh of April", into proper timestamps. I expected nobody to use it. \
Five years later it has been downloaded more than two million times, and I have learned more from maintaining it \
than from any job I have had.

Here are a few of those lessons. None of them are about code.

## Users are not customers, but they are people

Most bug reports arrive without a greeting. Some arrive angry, usually late at night, usually because a deadline is \
close and my library is standing in the way. For the first year I took every one of them personally. Then I started \
replying as if the person were sitting across a table from me: thank them, ask one clear question, and promise only \
what I could actually do.

The tone of a project is set by its maintainer's replies. Answer kindly, and the next person who opens an issue will \
write kindly too. It takes months to notice, but it works.

## Write the boring documentation first

People rarely read a README from top to bottom. They arrive with one question and leave the moment it is answered. \
So the most valuable page I ever wrote was not a clever tutorial. It was a plain list of the ten mistakes people \
make most often, each with a short example and a fix. Support requests dropped by roughly 40% the month it went up.

## Saying no is part of the job

Every feature request is a small gift and a small burden. Someone took the time to imagine your project doing more, \
and accepting means maintaining that extra code for years. I learned to say no early, politely, and with a reason:

1. Explain what the project is for, in one sentence.
2. Say why the request does not fit, without blaming the person asking.
3. Suggest where the idea could live instead, such as a plugin, a fork, or a recipe in the docs.

Most people accept a clear no far more easily than a vague maybe that lingers for six months.

## Automate the tedious parts

Releases used to take me an evening. Now a tag on the main branch runs the tests on four versions of Python, builds \
the package, and publishes it. Formatting is checked by a machine, so no review ever argues about spaces again. \
Every hour I spent on automation came back to me many times over, mostly as evenings I did not have to spend on \
chores.

## Rest is part of the work

> Open source is not a gift you give once. It is a conversation you agree to keep having.

In the autumn of 2021 I stopped answering issues for two months. Nothing caught fire. A few contributors quietly \
answered questions in my place, and when I came back the project was healthier than when I left. A project that \
cannot survive its maintainer taking a holiday is not a healthy project. It is a hostage.

If you maintain something, however small, take the holiday. The issues will wait. So, it turns out, will the \
people who care about your work.
"""

DRAFT_ZH = """\
这是一篇还没写完的文章，只有你自己能看到。

## 明年想做的几件事

- 每周至少录一段朗读，把声音攒起来
- 学会泡一壶像样的岩茶
- 把清晨的城市录音整理成一个小小的声音地图

等想清楚了，再回来把它写完。
"""

# (slug, title, language, body, days before now for the publication date; None = stays a draft)
ARTICLES = [
    ("reading-aloud", "把文字读出声来", "zh", READING_ALOUD_ZH, 2),
    ("city-at-six", "清晨六点的城市", "zh", CITY_MORNING_ZH, 9),
    ("a-cup-of-tea", "一杯茶的工夫", "zh", TEA_ZH, 16),
    ("building-readaloud", "用 Django 和 WebSocket 做一个朗读插件", "mixed", BUILDING_READALOUD_MIXED, 5),
    ("reading-to-strangers", "Reading Aloud to Strangers", "en", READING_TO_STRANGERS_EN, 12),
    ("open-source-lessons", "What Maintaining a Small Open Source Project Taught Me", "en", OPEN_SOURCE_EN, 21),
    ("note-to-next-year", "写给明年的自己（未完成）", "zh", DRAFT_ZH, None),
]
