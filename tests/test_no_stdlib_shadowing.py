from tests.conftest import REPO_ROOT, run_in_repo


def test_it_keeps_the_standard_library_platform_module_from_the_repo_root():
    result = run_in_repo(
        "-c", "import platform, uuid; print(platform.system(), platform.__file__, uuid.uuid4())"
    )

    assert result.returncode == 0, result.stderr
    system, module_file, _ = result.stdout.split()
    assert system == "Linux"
    assert not module_file.startswith(str(REPO_ROOT))


def test_it_imports_django_and_celery_from_the_repo_root():
    result = run_in_repo("-c", "import django; django.setup(); import config.celery, uuid")

    assert result.returncode == 0, result.stderr


def test_it_has_no_python_under_platform():
    python_files = [
        p.name for p in (REPO_ROOT / "platform").rglob("*") if p.suffix in {".py", ".pyc"}
    ]

    assert (REPO_ROOT / "platform" / "Procfile").exists()
    assert python_files == []
