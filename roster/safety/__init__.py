"""Safety confirmation (安否確認): operations over an area after a disaster, and the reports
on each person in them, all through the one access rule."""
