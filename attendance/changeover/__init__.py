"""Rotation changeover (issue 19): a scheme's rotation dates per track, and on such a day
who leaves which group, who joins (picked, or the incoming cohort's CSV, which invites the
new people), the group sizes that result and who leaves before reaching the requirement;
applied all at once, the rota of the groups that change planned again, everyone told.

- plan: the plan of a day as plain data; selectors: reading it (changeover_preview,
  what the page previews and the apply carries out)
- services: rotation dates; changeover_apply
- imports: the cohort's CSV; notices: the email; views, forms, urls: the page; demo

Attendance counts per scheme, so the sessions a trainee counted go with them to their
next group: nothing here moves them.
"""
