"""Tasks in a real Chromium: completed with the keyboard alone, and seen live elsewhere."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Task, TaskList

pytestmark = pytest.mark.browser

TITLE = "Check the rules on work permits with the ministry"  # open, in pair 3


@pytest.fixture
def tasks(live_server):
    """The demo task TITLE (the live server loaded the demo, tasks included)."""
    with live_server.app.app_context():
        task = db.session.scalar(select(Task).where(Task.title == TITLE))
        return task.pair_id, task.id


def test_a_task_completed_with_the_keyboard_alone(page, sign_in, tasks):
    pair_id, task_id = tasks
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{pair_id}/tasks")
    toggle = page.locator(f"#task-{task_id}-toggle")
    expect(toggle).to_have_text(f"Mark done {TITLE}")
    for _ in range(300):  # Tab through the page until the task's button has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == f"task-{task_id}-toggle":
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    # htmx swapped the board in place: the same control, now "Reopen", keeps the focus
    expect(toggle).to_have_text(f"Reopen {TITLE}")
    expect(toggle).to_be_focused()
    expect(page.locator("#task-status")).to_contain_text(f"“{TITLE}” is done.")
    expect(page.locator(f"#task-{task_id}")).to_contain_text("Done")


def test_another_persons_change_appears_without_reload(page, browser, sign_in, tasks, live_server):
    pair_id, task_id = tasks
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{pair_id}/tasks")
    expect(page.locator(f"#task-{task_id}-toggle")).to_have_text(f"Mark done {TITLE}")
    with live_server.app.app_context():  # someone else, elsewhere, renames a list
        task_list = db.session.scalar(
            select(TaskList).where(TaskList.pair_id == pair_id).order_by(TaskList.id)
        )
        task_list.title = "Renamed by a colleague"
        task_list.touch()
        db.session.commit()
    expect(page.get_by_role("heading", name="Renamed by a colleague")).to_be_visible(timeout=12_000)


def test_next_page_of_a_list_and_the_reassign_panel(page, sign_in, tasks, live_server):
    """ "Next page" appends a list's next tasks in place; "Reassign" loads its form."""
    from workspace.tasks import services

    pair_id, task_id = tasks
    with live_server.app.app_context():
        task_list = db.session.get(Task, task_id).task_list
        for i in range(services.TASK_PAGE + 3):
            db.session.add(
                Task(task_list=task_list, pair_id=pair_id, title=f"Extra {i}", position=1000 + i)
            )
        db.session.commit()
        list_id = task_list.id
    sign_in("mentor-fuenlabrada")
    page.goto(f"/pairs/{pair_id}/tasks")
    last = f"Extra {services.TASK_PAGE + 2}"
    expect(page.locator(".task__title", has_text=last)).to_have_count(0)
    more = page.locator(f"#list-{list_id}-next a")
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".task__title", has_text=last)).to_be_visible()
    expect(page.locator(f"#list-{list_id}-next")).to_have_count(0)
    assert page.url.endswith(f"/pairs/{pair_id}/tasks")  # appended, not navigated
    expect(page.locator(f"#list-{list_id} .tasks .task button:focus")).to_have_count(1)
    page.locator(f"#task-{task_id}-reassign").click()
    expect(page.locator(f"#task-{task_id} input[type=checkbox]").first).to_be_visible()
